package dev.aero.common.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

/**
 * A small HTTP server on a free loopback port that stands in for another platform service's
 * HTTP API in a test (command-server for SP's outbox, verkehr for command-server's pushes, ...),
 * answering from a handler the test writes. Each request runs on a thread of its own, so a
 * handler may stall to play a slow service.
 */
public final class StubHttpServer {

    private StubHttpServer() {
    }

    /** Starts a server with {@code handler} on {@code path}. */
    public static HttpServer start(String path, HttpHandler handler) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "stub-http");
                t.setDaemon(true);
                return t;
            }));
            server.createContext(path, handler);
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:<port>} of a started server. */
    public static String url(HttpServer server) {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }
}
