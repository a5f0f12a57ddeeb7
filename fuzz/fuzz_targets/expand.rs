#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| fairmake_fuzz::expand(data));
