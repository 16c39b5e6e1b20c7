package dev.aero.sp.account;

import io.swagger.v3.oas.annotations.responses.ApiResponse;
import dev.aero.sp.ratelimit.RateLimited;
import dev.aero.common.web.apidoc.ProblemResponse;
import java.net.URI;
import java.time.Instant;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import dev.aero.sp.organization.Enrollment;
import dev.aero.sp.web.ClientAddress;
import dev.aero.sp.web.PrintableText;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

@RestController
@RequestMapping("/api/v1")
@Tag(name = "Accounts and sessions", description = "Sign-up, sign-in, the caller's profile and password")
class AccountController {


    private final Enrollment enrollment;
    private final AccountService accounts;
    private final PasswordResetService resets;

    AccountController(Enrollment enrollment, AccountService accounts, PasswordResetService resets) {
        this.enrollment = enrollment;
        this.accounts = accounts;
        this.resets = resets;
    }

    @PostMapping("/users")
    @Operation(operationId = "signUp", summary = "Sign up; the deployment's first user creates the organization",
            description = "The first sign-up on a new deployment creates its organization and admin, and must carry the "
                    + "deployment's one-time `setup_token` (the operator gets it from `./aero setup-token`). Later users "
                    + "need an `invitation_code` unless open sign-up is on.",
            responses = @ApiResponse(responseCode = "201", description = "The account; `Location` is /api/v1/users/me"))
    @RateLimited
    @ProblemResponse(status = 400, type = "invalid-email", when = "`email` is not an e-mail address")
    @ProblemResponse(status = 400, type = "password-rejected", when = "the password breaks the password policy")
    @ProblemResponse(status = 403, type = "invitation-required", when = "open sign-up is off and no `invitation_code` was given")
    @ProblemResponse(status = 403, type = "invitation-invalid", when = "the invitation code is unknown, used, expired or for another address")
    @ProblemResponse(status = 403, type = "setup-token-required",
            when = "the deployment has no admin yet and no `setup_token` was given (the first sign-up creates the admin)")
    @ProblemResponse(status = 403, type = "setup-token-invalid", when = "the `setup_token` is not the deployment's")
    @ProblemResponse(status = 403, type = "setup-token-used",
            when = "a `setup_token` without an invitation code, and the deployment has its admin already")
    @ProblemResponse(status = 409, type = "user-exists", when = "the e-mail address has an account")
    ResponseEntity<UserView> signUp(@Valid @RequestBody SignUpRequest body, ClientAddress from) {
        UserAccount user = enrollment.signUp(new Enrollment.SignUp(body.email(), body.password(), body.firstName(),
                body.lastName(), body.invitationCode(), body.organizationName(), body.setupToken()), from);
        return ResponseEntity.created(URI.create("/api/v1/users/me")).body(UserView.of(user));
    }

    @PostMapping("/sessions")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(operationId = "signIn", summary = "Sign in; returns a bearer token")
    @RateLimited
    @ProblemResponse(status = 401, type = "invalid-credentials", when = "the e-mail address or password is wrong")
    @ProblemResponse(status = 403, type = "account-deactivated", when = "the account is deactivated (the password was right)")
    SessionView signIn(@Valid @RequestBody SignInRequest body, ClientAddress from) {
        AccountService.SignedIn session = accounts.signIn(body.email(), body.password(), from);
        return new SessionView(session.token(), session.expiresAt(), session.userId().value());
    }

    @DeleteMapping("/sessions/current")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(operationId = "signOut", summary = "Sign out: the token stops working")
    void signOut(AuthenticatedUser caller, ClientAddress from) {
        accounts.signOut(caller, from);
    }

    @GetMapping("/users/me")
    @Operation(operationId = "getProfile", summary = "The caller's profile")
    UserView me(AuthenticatedUser caller) {
        return UserView.of(accounts.profile(caller));
    }

    @PatchMapping("/users/me")
    @Operation(operationId = "updateProfile", summary = "Change the caller's names")
    UserView rename(AuthenticatedUser caller, @Valid @RequestBody NameChange body) {
        return UserView.of(accounts.rename(caller, strip(body.firstName()), strip(body.lastName())));
    }

    @PostMapping("/users/me/password")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(operationId = "changePassword", summary = "Change the password; other sessions are signed out")
    @ProblemResponse(status = 400, type = "password-rejected", when = "the new password breaks the password policy")
    @ProblemResponse(status = 403, type = "password-incorrect", when = "`old_password` is not the current password")
    @RateLimited
    void changePassword(AuthenticatedUser caller, @Valid @RequestBody PasswordChange body, ClientAddress from) {
        accounts.changePassword(caller, body.oldPassword(), body.newPassword(), from);
    }

    @PostMapping("/password-resets")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(operationId = "requestPasswordReset",
            summary = "Mail a password-reset link (the answer is the same whether or not the account exists)")
    @RateLimited
    void requestReset(@Valid @RequestBody ResetRequest body, ClientAddress from) {
        resets.request(body.email(), from);
    }

    @PostMapping("/password-resets/{token}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(operationId = "resetPassword", summary = "Set a new password with a reset token; every session is signed out")
    @RateLimited
    @ProblemResponse(status = 400, type = "reset-token-invalid", when = "the reset token is unknown, expired or used")
    @ProblemResponse(status = 400, type = "password-rejected", when = "the new password breaks the password policy")
    void reset(@PathVariable String token, @Valid @RequestBody NewPassword body, ClientAddress from) {
        resets.reset(token, body.newPassword(), from);
    }

    private static String strip(String s) {
        return s == null ? null : s.strip();
    }

    record SignUpRequest(
            @NotBlank @Size(max = 254) String email,
            @NotNull @Size(max = PasswordPolicy.MAX_LENGTH) String password,
            @NotBlank @Size(max = 100) @Pattern(regexp = PrintableText.PATTERN) String firstName,
            @NotBlank @Size(max = 100) @Pattern(regexp = PrintableText.PATTERN) String lastName,
            @Size(max = 128) String invitationCode,
            @Size(max = 255) @Pattern(regexp = PrintableText.PATTERN) String organizationName,
            @Size(max = 128) String setupToken) {
    }

    record SignInRequest(@NotNull @Size(max = 254) String email, @NotNull @Size(max = PasswordPolicy.MAX_LENGTH) String password) {
    }

    record NameChange(
            @Size(min = 1, max = 100) @Pattern(regexp = PrintableText.PATTERN) String firstName,
            @Size(min = 1, max = 100) @Pattern(regexp = PrintableText.PATTERN) String lastName) {
    }

    record PasswordChange(@NotNull @Size(max = PasswordPolicy.MAX_LENGTH) String oldPassword,
            @NotNull @Size(max = PasswordPolicy.MAX_LENGTH) String newPassword) {
    }

    record ResetRequest(@NotNull @Size(max = 254) String email) {
    }

    record NewPassword(@NotNull @Size(max = PasswordPolicy.MAX_LENGTH) String newPassword) {
    }

    record SessionView(String token, Instant expiresAt, String userId) {
    }

    record UserView(String userId, String firstName, String lastName, String organizationId, String role, Instant createdAt) {
        static UserView of(UserAccount u) {
            return new UserView(u.id().value(), u.firstName(), u.lastName(), u.organization().toString(), u.role().name(),
                    u.createdAt());
        }
    }
}
