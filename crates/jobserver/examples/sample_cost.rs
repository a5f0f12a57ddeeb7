//! How long one look at memory takes on this machine (the governor looks
//! every 20-100 ms): `cargo run --release -p fairmake-jobserver --example sample_cost`.
use fairmake_jobserver::{MemorySource, SystemMemory};
fn main() {
    let mut m = SystemMemory::detect(std::path::Path::new("/")).expect("meminfo");
    let n = 2000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(m.sample().expect("sample"));
    }
    println!("{}: {:?} a look", m.describe(), t.elapsed() / n);
}
