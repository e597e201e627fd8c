//! `web`: receives GitHub webhooks and queues typed jobs.

use threadline::web::Application;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let settings = match threadline::web::settings_from_env() {
        Ok(s) => s,
        Err(e) => {
            log::error!("web cannot start: {e:#}");
            std::process::exit(2);
        }
    };
    threadline::web::return_large_buffers_to_the_os();
    threadline::web::raise_open_files_limit(&settings.door);
    let app = Application::build(settings)?;
    log::info!("web listening on 0.0.0.0:{}", app.port());
    app.run_until_stopped().await?;
    Ok(())
}
