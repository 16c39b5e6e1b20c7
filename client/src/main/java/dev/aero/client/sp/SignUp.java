package dev.aero.client.sp;

/**
 * {@code POST /users}. {@code invitationCode} is required when open sign-up is off;
 * {@code organizationName} names the organization the deployment's first user creates, and
 * {@code setupToken} is the deployment's one-time setup token that this first sign-up needs
 * (the operator has it from {@code ./aero setup-token}). Nulls are left out.
 */
public record SignUp(String email, String password, String firstName, String lastName,
                     String invitationCode, String organizationName, String setupToken) {

    public SignUp(String email, String password, String firstName, String lastName) {
        this(email, password, firstName, lastName, null, null, null);
    }

    /** A sign-up with an invitation code (or none, when open sign-up is on). */
    public SignUp(String email, String password, String firstName, String lastName, String invitationCode,
                  String organizationName) {
        this(email, password, firstName, lastName, invitationCode, organizationName, null);
    }

    /** The deployment's first user, who creates its organization and becomes its admin. */
    public static SignUp firstAdmin(String email, String password, String firstName, String lastName,
                                    String organizationName, String setupToken) {
        return new SignUp(email, password, firstName, lastName, null, organizationName, setupToken);
    }
}
