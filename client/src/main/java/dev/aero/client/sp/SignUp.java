package dev.aero.client.sp;

/**
 * {@code POST /users}. {@code invitationCode} is required when open sign-up is off;
 * {@code organizationName} names the organization an uninvited user creates. Nulls are left out.
 */
public record SignUp(String email, String password, String firstName, String lastName,
                     String invitationCode, String organizationName) {

    public SignUp(String email, String password, String firstName, String lastName) {
        this(email, password, firstName, lastName, null, null);
    }
}
