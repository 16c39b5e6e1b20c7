package dev.aero.console.web;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

import dev.aero.client.sp.SpClient;
import dev.aero.console.ConsoleProperties;
import dev.aero.console.signin.Admin;

/** SP as the signed-in admin, for controllers; and the admin and live interval for every page's model. */
@Component
@ControllerAdvice
public class CurrentAdmin {

    private final SpClient sp;
    private final long liveMillis;

    public CurrentAdmin(SpClient sp, ConsoleProperties settings) {
        this.sp = sp;
        this.liveMillis = settings.liveInterval().toMillis();
    }

    /** The signed-in admin; only called on pages that require one. */
    public Admin admin() {
        Authentication a = SecurityContextHolder.getContext().getAuthentication();
        if (a != null && a.getPrincipal() instanceof Admin admin) {
            return admin;
        }
        throw new IllegalStateException("no admin is signed in");
    }

    public SpClient sp() {
        return admin().sp(sp);
    }

    @ModelAttribute("admin")
    Admin modelAdmin() {
        Authentication a = SecurityContextHolder.getContext().getAuthentication();
        return a != null && a.getPrincipal() instanceof Admin admin ? admin : null;
    }

    @ModelAttribute("liveMillis")
    long liveMillis() {
        return liveMillis;
    }
}
