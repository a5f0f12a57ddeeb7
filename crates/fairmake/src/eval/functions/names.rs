//! File-name functions: dir, notdir, suffix, basename, addsuffix, addprefix, abspath, realpath, wildcard.
