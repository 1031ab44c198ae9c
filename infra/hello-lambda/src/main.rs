//! The reference for the cold-start figures: the smallest `lambda_http` function, built in the
//! same profile as the help desk's functions. It answers every request with "hello".

use lambda_http::{Body, Error, Request, Response, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::run(service_fn(|_: Request| async {
        Ok::<_, Error>(Response::new(Body::from("hello")))
    }))
    .await
}
