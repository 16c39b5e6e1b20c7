package dev.aero.console.signin;

import java.util.List;

import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.DisabledException;
import org.springframework.security.authentication.InsufficientAuthenticationException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.stereotype.Component;

import dev.aero.client.sp.Session;
import dev.aero.client.sp.SpApiException;
import dev.aero.client.sp.SpClient;
import dev.aero.client.sp.SpTransportException;
import dev.aero.client.sp.User;

/**
 * Signs the admin in with SP: e-mail and password become an SP session, and only a user whose
 * role is ADMIN gets a console session. Anyone else's fresh SP session is ended at once, so a
 * refused sign-in leaves nothing behind.
 */
@Component
public class SpAuthenticationProvider implements AuthenticationProvider {

    static final String ROLE = "ROLE_ORG_ADMIN";

    private final SpClient sp;

    public SpAuthenticationProvider(SpClient sp) {
        this.sp = sp;
    }

    @Override
    public Authentication authenticate(Authentication authentication) throws AuthenticationException {
        String email = String.valueOf(authentication.getName()).strip();
        String password = String.valueOf(authentication.getCredentials());
        if (email.isEmpty() || password.isEmpty()) {
            throw new BadCredentialsException("Enter your e-mail address and password.");
        }
        Session session;
        User user;
        try {
            session = sp.signIn(email, password);
            user = sp.withToken(session.token()).me();
        } catch (SpApiException e) {
            throw switch (e.status()) {
                case 401, 400 -> new BadCredentialsException("Wrong e-mail address or password.");
                case 403 -> new DisabledException("This account is deactivated.");
                case 429 -> new AuthenticationServiceException("Too many sign-in attempts; wait a minute and try again.");
                default -> new AuthenticationServiceException("SP refused the sign-in (" + e.status() + "); try again later.");
            };
        } catch (SpTransportException e) {
            throw new AuthenticationServiceException("SP cannot be reached; try again later.");
        }
        if (!"ADMIN".equals(user.role())) {
            signOutQuietly(session.token());
            throw new InsufficientAuthenticationException("Only the organization's admins may use the console.");
        }
        String name = (nullToEmpty(user.firstName()) + " " + nullToEmpty(user.lastName())).strip();
        Admin admin = new Admin(user.userId().toString(), name.isEmpty() ? user.userId().toString() : name, session.token(),
                session.expiresAt());
        return UsernamePasswordAuthenticationToken.authenticated(admin, null, List.of(new SimpleGrantedAuthority(ROLE)));
    }

    private void signOutQuietly(String token) {
        try {
            sp.withToken(token).signOut();
        } catch (RuntimeException ignored) {
            // The session ends by itself at its expiry; the console never keeps its token.
        }
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
    }
}
