//! The dev host starts again against a stack it already provisioned (the README's commands
//! reuse a running stack): every create call takes "already there" as done.

use devhost::host::DevHost;
use devhost::local::{self, LocalNames};
use devhost::template::Template;
use devhost::testing::{test_key, unique};

async fn start(names: &LocalNames) -> anyhow::Result<DevHost> {
    let sdk = test_support::local_sdk().await;
    DevHost::start(
        sdk,
        Template::load_default()?,
        names.clone(),
        test_key(),
        "http://127.0.0.1:3000",
    )
    .await
}

/// Failed before the fix: moto answers the second `CreateConfigurationSet` with the code
/// `ConfigurationSetAlreadyExistsException`, which the typed check did not know.
#[tokio::test]
async fn a_second_start_against_the_same_resources_works() {
    let names = LocalNames::with_prefix(&unique("again"));
    let first = start(&names).await.expect("first start");
    let second = start(&names).await.expect("second start against the same stack");
    assert_eq!(
        first.provisioned.inbound_queue_url,
        second.provisioned.inbound_queue_url
    );
    assert_eq!(
        first.provisioned.reactor_queue_url,
        second.provisioned.reactor_queue_url
    );
}

#[test]
fn only_already_there_codes_count_as_done() {
    for code in [
        "AlreadyExistsException",
        "ConfigurationSetAlreadyExists",
        "ResourceAlreadyExistsException",
        "ResourceExistsException",
        "BucketAlreadyOwnedByYou",
        "ResourceInUseException",
    ] {
        assert!(local::already_there(Some(code)), "{code}");
    }
    for code in ["AccessDenied", "ValidationException", "NotFoundException"] {
        assert!(!local::already_there(Some(code)), "{code}");
    }
    assert!(!local::already_there(None));
}
