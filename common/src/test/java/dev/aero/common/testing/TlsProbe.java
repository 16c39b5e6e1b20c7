package dev.aero.common.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TLS handshake by OpenSSL's {@code s_client}, which (unlike the JDK) will still offer old
 * protocols and weak ciphers when asked: what a TLS listener accepts, seen from outside.
 */
public final class TlsProbe {

    /** What came of one handshake: whether it completed, and with what; the client's output. */
    public record Result(boolean established, String protocol, String cipher, String output) {

        /** The client offered what it was asked to offer (it did not refuse it itself). */
        public boolean offered() {
            return !output.contains("no protocols available") && !output.contains("no cipher match")
                    && !output.contains("no ciphers available");
        }
    }

    private static final Pattern PROTOCOL = Pattern.compile("Protocol version: (\\S+)");
    private static final Pattern CIPHER = Pattern.compile("Ciphersuite: (\\S+)");

    private TlsProbe() {
    }

    /**
     * {@code openssl s_client -brief} to {@code 127.0.0.1:port} with these options (e.g.
     * {@code -tls1_1}, {@code -cipher ...}); security level 0, so that the client offers anything.
     */
    public static Result handshake(int port, String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-brief", "-connect", "127.0.0.1:" + port));
        boolean cipherGiven = false;
        for (int i = 0; i < options.length; i++) {
            if (options[i].equals("-cipher") && i + 1 < options.length) {
                command.add("-cipher");
                command.add(options[++i] + ":@SECLEVEL=0");
                cipherGiven = true;
            } else {
                command.add(options[i]);
            }
        }
        if (!cipherGiven) {
            command.addAll(List.of("-cipher", "DEFAULT:@SECLEVEL=0"));
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("openssl s_client did not finish: " + output);
        }
        Matcher protocol = PROTOCOL.matcher(output);
        Matcher cipher = CIPHER.matcher(output);
        return new Result(output.contains("CONNECTION ESTABLISHED"), protocol.find() ? protocol.group(1) : null,
                cipher.find() ? cipher.group(1) : null, output);
    }
}
