package dev.aero.console.web;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import org.springframework.http.HttpStatus;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.servlet.ModelAndView;

import dev.aero.client.sp.SpApiException;
import dev.aero.client.sp.SpTransportException;
import dev.aero.common.id.InvalidIdentifierException;
import dev.aero.console.signin.ConsoleSessions;

/**
 * What a page shows when SP refuses or cannot be reached. SP's 401 means the admin's SP session
 * ended (expired, signed out elsewhere, the admin deactivated): the console session ends with it.
 */
@ControllerAdvice
public class ConsoleErrors {

    @ExceptionHandler(SpApiException.class)
    ModelAndView refused(SpApiException e, HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (e.status() == 401) {
            HttpSession session = request.getSession(false);
            if (session != null) {
                session.invalidate();
            }
            SecurityContextHolder.clearContext();
            ConsoleSessions.refuse(request, response, "expired");
            return null;
        }
        HttpStatus status = HttpStatus.resolve(e.status());
        if (status == null || status.is2xxSuccessful()) {
            status = HttpStatus.BAD_GATEWAY;
        }
        String detail = e.detail() != null ? e.detail() : e.title() != null ? e.title() : "SP answered " + e.status() + ".";
        return page(status, status == HttpStatus.NOT_FOUND ? "Not found" : "SP refused", detail);
    }

    @ExceptionHandler(SpTransportException.class)
    ModelAndView unreachable(SpTransportException e) {
        return page(HttpStatus.SERVICE_UNAVAILABLE, "SP cannot be reached",
                "The console could not reach SP; the page will work again once SP answers.");
    }

    @ExceptionHandler(InvalidIdentifierException.class)
    ModelAndView badIdentifier(InvalidIdentifierException e) {
        return page(HttpStatus.NOT_FOUND, "Not found", "There is nothing at this address.");
    }

    static ModelAndView page(HttpStatus status, String title, String detail) {
        ModelAndView page = new ModelAndView("error", status);
        page.addObject("status", status.value());
        page.addObject("errorTitle", title);
        page.addObject("errorDetail", detail);
        return page;
    }
}
