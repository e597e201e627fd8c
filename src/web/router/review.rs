//! `pull_request_review`: a submitted or dismissed review becomes
//! `pr.reviewed`, unless the config's routes or filters drop it, or it is
//! a bot's and bots are not forwarded.

use super::{filter, ignored, with_gate, JobPlan, Routing};
use crate::github::{self, excerpt};
use threadline_jobs as jobs;
use threadline_jobs::Delivery;

pub(super) fn review(delivery: Delivery, e: github::ReviewEvent, plan: &JobPlan) -> Routing {
    if e.action != "submitted" && e.action != "dismissed" {
        return ignored(&e.action);
    }
    let review = e.review.as_ref().ok_or("payload has no review")?;
    let pr = e
        .pull_request
        .as_ref()
        .ok_or("payload has no pull_request")?;
    let repository = e.repository.as_ref().ok_or("payload has no repository")?;
    let gate = match filter::admit(&plan.config, &e.action, repository, Some(&review.user))
        .and_then(|filters| filter::pr_passes(filters, &e.action, repository.id, pr))
    {
        Ok(gate) => gate,
        Err(answer) => return Ok(answer),
    };
    let repo = repository.to_job();
    let dismissed = e.action == "dismissed";
    let job = jobs::PrReviewed {
        delivery,
        repo,
        pr: pr.to_job(),
        reviewer: review.user.login.clone(),
        state: if dismissed {
            "dismissed".into()
        } else {
            review.state.to_lowercase()
        },
        dismissed_by: dismissed
            .then(|| e.sender.as_ref().map(|s| s.login.clone()))
            .flatten(),
        body: excerpt(review.body.as_deref()),
        html_url: review.html_url.clone(),
    };
    with_gate(plan.build(&e.action, &job), gate)
}
