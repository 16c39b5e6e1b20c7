package dev.aero.console.web;

import dev.aero.client.sp.SpApiException;

/**
 * SP's refusal of what a form asked, in words for the form: a 4xx's detail. Anything else (SP's
 * 401, which ends the session; a 5xx; not found when {@code notFoundIsThePages}) is the error
 * page's business and is thrown on.
 */
public final class FormRefusals {

    private FormRefusals() {
    }

    public static String message(SpApiException e, String fallback) {
        if (e.status() / 100 != 4 || e.status() == 401) {
            throw e;
        }
        return e.detail() != null ? e.detail() : fallback;
    }
}
