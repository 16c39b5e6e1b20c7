package dev.aero.console.web;

import jakarta.servlet.http.HttpSession;

import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.WebAttributes;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/** The sign-in page: the form posts to Spring Security's {@code POST /sign-in}. */
@Controller
public class SignInController {

    public static final String SIGN_IN_EMAIL = "aero.console.signInEmail";

    @GetMapping("/sign-in")
    String signIn(@RequestParam(required = false) String error, @RequestParam(required = false) String expired,
            @RequestParam(required = false) String idle, @RequestParam(name = "signed-out", required = false) String signedOut,
            HttpSession session, Model model) {
        if (error != null && session.getAttribute(WebAttributes.AUTHENTICATION_EXCEPTION) instanceof AuthenticationException e) {
            model.addAttribute("error", e.getMessage());
            model.addAttribute("email", session.getAttribute(SIGN_IN_EMAIL));
            session.removeAttribute(WebAttributes.AUTHENTICATION_EXCEPTION);
        } else if (expired != null) {
            model.addAttribute("notice", "Your session has ended: sign in again.");
        } else if (idle != null) {
            model.addAttribute("notice", "You were signed out after a time without activity.");
        } else if (signedOut != null) {
            model.addAttribute("notice", "You are signed out.");
        }
        return "sign-in";
    }
}
