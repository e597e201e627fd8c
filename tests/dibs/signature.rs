//! The interactions endpoint's door: Ed25519 against a known key pair,
//! PING, refusals, the endpoint off without a key, and answers to a burst
//! within Discord's 3 seconds.

use super::{command, user, Dibs, Switches, ALL_ON, SEED};
use ed25519_dalek::{Signer, SigningKey, Verifier};
use std::time::{Duration, Instant};
use support::wait::join_all;

use super::support;

#[test]
fn rfc_8032_test_1_and_the_fixed_seed() {
    let secret =
        hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60").unwrap();
    let key = SigningKey::from_bytes(&secret.try_into().unwrap());
    assert_eq!(
        hex::encode(key.verifying_key().to_bytes()),
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    );
    let signature = key.sign(b"");
    assert_eq!(
        hex::encode(signature.to_bytes()),
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    );
    let ours = SigningKey::from_bytes(&SEED);
    assert!(ours.verifying_key().verify(b"x", &ours.sign(b"x")).is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn ping_is_answered_and_bad_signatures_are_401() {
    let dibs = Dibs::start(ALL_ON).await;
    let ping = br#"{"type":1,"id":"1","application_id":"2","token":"t","version":1}"#;
    let res = dibs.post_signed(&dibs.key, ping).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({"type": 1})
    );

    let stranger = SigningKey::from_bytes(&[9; 32]);
    assert_eq!(
        dibs.post_signed(&stranger, ping).await.status(),
        401,
        "another key"
    );
    let unsigned = dibs
        .stack
        .app
        .http
        .post(format!("{}/webhooks/discord", dibs.stack.app.address))
        .body(ping.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401, "no signature headers");

    // A valid signature over other bytes than those sent.
    let body = command(
        dibs.stack.channel,
        user(1),
        "on",
        &[("resource", "staging")],
    )
    .to_string();
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let signature = hex::encode(
        dibs.key
            .sign(format!("{timestamp}{ping:?}").as_bytes())
            .to_bytes(),
    );
    let forged = dibs
        .stack
        .app
        .http
        .post(format!("{}/webhooks/discord", dibs.stack.app.address))
        .header("X-Signature-Ed25519", signature)
        .header("X-Signature-Timestamp", timestamp)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    assert!(
        dibs.status("staging").await.contains("unknown resource"),
        "the forged command changed nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_public_key_the_endpoint_is_404() {
    let dibs = Dibs::start(Switches {
        interactions: false,
        api: true,
    })
    .await;
    let ping = br#"{"type":1}"#;
    assert_eq!(dibs.post_signed(&dibs.key, ping).await.status(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_hundred_interactions_at_once_are_answered_within_3_s() {
    let dibs = Dibs::start(ALL_ON).await;
    let channel = dibs.stack.channel;
    // Ten resources, twenty people each: takes, queue joins, and reads.
    let bodies: Vec<Vec<u8>> = (0..200u64)
        .map(|n| {
            let resource = format!("device-{}", n % 10);
            let sub = if n % 4 == 3 { "status" } else { "on" };
            command(channel, user(n), sub, &[("resource", &resource)])
                .to_string()
                .into_bytes()
        })
        .collect();
    // Signed first, so that the clock times web, not the test's signing.
    let requests: Vec<reqwest::RequestBuilder> = bodies.iter().map(|b| dibs.signed(b)).collect();
    let started = Instant::now();
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|request| {
            tokio::spawn(async move {
                let sent = Instant::now();
                let res = request.send().await.expect("web answers");
                let status = res.status();
                let answer: serde_json::Value = res.json().await.unwrap();
                (sent.elapsed(), status, answer)
            })
        })
        .collect();
    let timed = join_all(tasks).await;
    let timed: Vec<_> = timed.into_iter().map(|t| t.unwrap()).collect();
    let mut latencies: Vec<Duration> = timed.iter().map(|(d, _, _)| *d).collect();
    for (_, status, answer) in &timed {
        assert_eq!(*status, 200);
        assert_eq!(answer["type"], 4, "{answer}");
    }
    latencies.sort();
    let p50 = latencies[99];
    let p99 = latencies[197];
    let max = latencies[199];
    println!(
        "dibs: 200 interactions at once: p50 {p50:?}, p99 {p99:?}, max {max:?}, all in {:?}",
        started.elapsed()
    );
    assert!(max < Duration::from_secs(3), "slowest answer took {max:?}");
    // Every "on" landed: each resource has a holder; 140 wait in line.
    let listed = super::api::list(&dibs).await;
    let resources = listed["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 10, "{listed}");
    assert!(resources.iter().all(|r| r["holder"].is_object()));
    let waiting: usize = resources
        .iter()
        .map(|r| r["queue"].as_array().unwrap().len())
        .sum();
    assert_eq!(waiting, 140);
}
