//! `pull_request_review`: a submitted or dismissed review becomes
//! `pr.reviewed`, unless the config's routes or filters drop it, or it is
//! a bot's and bots are not forwarded.

use super::{filter, filtered, ignored, with_gate, JobPlan, Routing};
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
    let filters = match filter::screen(&plan.config, &repository.full_name) {
        Ok(filters) => filters,
        Err(reason) => return filtered(&e.action, reason, None),
    };
    if !filters.forwards(&review.user.login, review.user.is_bot()) {
        return ignored("by a bot");
    }
    let gate = filter::gate(filters, repository.id, pr);
    if let Some(reason) = filter::excluded(filters, pr) {
        return filtered(&e.action, reason, gate);
    }
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
