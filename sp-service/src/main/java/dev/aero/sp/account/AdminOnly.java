package dev.aero.sp.account;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import dev.aero.common.web.apidoc.ProblemResponse;

/** For the API document: the handler calls {@link AuthenticatedUser#requireAdmin()}. */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@ProblemResponse(status = 403, type = "admin-required", when = "the caller is not an admin of the organization")
public @interface AdminOnly {
}
