package dev.aero.sp.ratelimit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import dev.aero.common.web.apidoc.ProblemResponse;

/** For the API document: the handler counts attempts with the {@link RateLimiter}. */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@ProblemResponse(status = 429, type = "rate-limited",
        when = "too many attempts from this address or for this account; `Retry-After` and `retry_after` say when to retry")
@ProblemResponse(status = 503, type = "rate-limit-unavailable", when = "attempts cannot be counted (Redis does not answer)")
public @interface RateLimited {
}
