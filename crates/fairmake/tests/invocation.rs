//! How the binary was invoked matters to recursion: `$(MAKE)` is argv[0],
//! made absolute when it is a relative path, so `-C dir` builds still find it.

use std::process::Command;

#[test]
fn relative_argv0_survives_dash_c() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_fairmake"), bin.join("mk")).unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(
        sub.join("Makefile"),
        "all:\n\t@$(MAKE) -s inner\ninner:\n\t@echo inner ran\n",
    )
    .unwrap();
    let out = Command::new("bin/mk")
        .args(["-s", "-C", "sub"])
        .current_dir(dir.path())
        .env_remove("MAKEFLAGS")
        .env_remove("MAKELEVEL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "inner ran\n");
}
