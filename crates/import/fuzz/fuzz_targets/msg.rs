#![no_main]
//! Fuzz target: `pulje_import::fuzz::msg` must never panic.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    quiet_caught_panics();
    pulje_import::fuzz::msg(data);
});

/// Panics inside third-party parsers are caught by the library on its parser thread and become
/// errors; libfuzzer-sys's panic hook would abort on them anyway, so that thread's panics skip
/// it. A panic anywhere else still aborts and is reported as a crash.
fn quiet_caught_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some("pulje-import-parser") {
                fuzzer_hook(info);
            }
        }));
    });
}
