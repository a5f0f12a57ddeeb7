#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| fairmake_fuzz::read_eval(data));
