package dev.aero.common.ssmp;

/** A request broke the SSMP grammar: the server answers 400 and closes the connection. */
public final class SsmpGrammarException extends RuntimeException {

    public SsmpGrammarException(String message) {
        super(message, null, false, false);
    }
}
