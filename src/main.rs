fn main() {
    std::process::exit(lamsach_cli_main());
}
fn lamsach_cli_main() -> i32 { 0 }
