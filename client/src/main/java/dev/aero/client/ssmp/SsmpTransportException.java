package dev.aero.client.ssmp;

/**
 * No answer from the server: the client is not connected or is closed, the connection ended
 * before the answer came, the answer took longer than the request timeout, or the waiting thread
 * was interrupted. A request that failed this way may or may not have reached the server.
 */
public final class SsmpTransportException extends RuntimeException {

    public SsmpTransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
