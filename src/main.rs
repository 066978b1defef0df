use clap::Parser;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let cli = truce::cli::Cli::parse();
    match truce::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("truce: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
