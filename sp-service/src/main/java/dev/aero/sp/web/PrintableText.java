package dev.aero.sp.web;

/** The pattern free-text fields (names, device names) must match: no control characters. */
public final class PrintableText {

    public static final String PATTERN = "^[^\\p{Cntrl}]*$";

    private PrintableText() {
    }
}
