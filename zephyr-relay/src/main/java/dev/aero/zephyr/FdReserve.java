package dev.aero.zephyr;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * File descriptors held back for the day the process runs out. When accept fails with "too many
 * open files" the reserve is let go, so that the pending connections can be accepted and closed
 * at once (refused, and counted) rather than left hanging in the backlog while the relay stalls;
 * it is taken back, and normal accepting resumes, once enough descriptors are free again.
 */
final class FdReserve {

    private static final Logger log = LoggerFactory.getLogger(FdReserve.class);
    private static final Path NULL_DEVICE = Path.of("/dev/null");

    private final int size;
    private final List<FileChannel> held = new ArrayList<>();
    private volatile boolean exhausted;

    FdReserve(int size) {
        this.size = size;
        if (!tryRefill()) {
            log.warn("could not set aside {} file descriptors; refusing connections at the fd limit may be delayed", size);
        }
    }

    boolean exhausted() {
        return exhausted;
    }

    /** The process is out of descriptors: release the reserve and refuse until it is back. */
    synchronized void onExhausted() {
        if (!exhausted) {
            log.warn("out of file descriptors: refusing new connections until some are free");
        }
        exhausted = true;
        releaseAll();
    }

    /** Tries to take the reserve back; on success new connections are accepted again. */
    synchronized boolean tryRecover() {
        if (!exhausted) {
            return true;
        }
        if (tryRefill()) {
            exhausted = false;
            log.info("file descriptors available again: accepting connections");
            return true;
        }
        return false;
    }

    synchronized void close() {
        releaseAll();
    }

    private boolean tryRefill() {
        if (!NULL_DEVICE.toFile().exists()) {
            return true;
        }
        try {
            while (held.size() < size) {
                held.add(FileChannel.open(NULL_DEVICE));
            }
            return true;
        } catch (IOException e) {
            releaseAll();
            return false;
        }
    }

    private void releaseAll() {
        for (FileChannel channel : held) {
            try {
                channel.close();
            } catch (IOException e) {
                // Closing /dev/null cannot fail in a way that matters.
            }
        }
        held.clear();
    }

    static boolean isFdExhaustion(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof IOException && t.getMessage() != null && t.getMessage().contains("Too many open files")) {
                return true;
            }
        }
        return false;
    }
}
