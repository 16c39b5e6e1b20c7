package dev.aero.common.testing;

import java.io.IOException;
import java.util.List;

/**
 * A Redis database index that one test class has to itself, empty when handed out. Indexes are
 * handed out round-robin from a counter in database 0 (never given to a test), so consecutive
 * classes, also in different JVMs, get different indexes; the launcher's Redis has 64 of them.
 */
public record TestRedis(String host, int port, int database) {

    static final String CURSOR_KEY = "aero:test:db-cursor";

    static TestRedis allocate(TestServices.RedisServer server) {
        try (RespConnection c = new RespConnection(server.host(), server.port(), 5000)) {
            int databases = databaseCount(c);
            long n = (Long) c.call("INCR", CURSOR_KEY);
            int index = 1 + (int) (n % (databases - 1));
            c.call("SELECT", Integer.toString(index));
            c.call("FLUSHDB");
            return new TestRedis(server.host(), server.port(), index);
        } catch (IOException | RuntimeException e) {
            throw new ServiceUnavailableException("cannot allocate a Redis database on " + server.origin()
                    + ": " + e.getMessage(), e);
        }
    }

    public String url() {
        return "redis://" + host + ":" + port + "/" + database;
    }

    /** Empties this class's database. */
    public void flush() {
        try (RespConnection c = new RespConnection(host, port, 5000)) {
            c.call("SELECT", Integer.toString(database));
            c.call("FLUSHDB");
        } catch (IOException e) {
            throw new ServiceUnavailableException("cannot flush Redis database " + database + ": " + e.getMessage(), e);
        }
    }

    private static int databaseCount(RespConnection c) {
        try {
            Object reply = c.call("CONFIG", "GET", "databases");
            if (reply instanceof List<?> list && list.size() == 2) {
                return Math.max(2, Integer.parseInt(String.valueOf(list.get(1))));
            }
        } catch (IOException | NumberFormatException e) {
            // CONFIG may be disabled on a managed Redis: assume the default.
        }
        return 16;
    }
}
