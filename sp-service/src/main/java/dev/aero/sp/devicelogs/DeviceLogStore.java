package dev.aero.sp.devicelogs;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import dev.aero.sp.SpProperties;

/**
 * The directory devices' log uploads are kept in ({@code aero.sp.device-logs.directory}). An
 * upload is written to a hidden {@code .<uuid>.partial} file in that directory, checked as it
 * is written, and moved atomically to its final name {@code <32 hex>.gz} only when it is whole;
 * on any failure the partial file is deleted. Final names are SP's own (the storage key), never
 * anything a device sent.
 */
@Component
class DeviceLogStore {

    /** An upload received whole and checked, waiting in its partial file to be kept or discarded. */
    record Received(Path partial, long size, String sha256) {
    }

    private static final Logger log = LoggerFactory.getLogger(DeviceLogStore.class);
    private static final Pattern KEY = Pattern.compile("[0-9a-f]{32}\\.gz");
    private static final String PARTIAL_SUFFIX = ".partial";
    private static final int BUFFER = 64 * 1024;

    private final Path directory;

    DeviceLogStore(SpProperties properties) throws IOException {
        this.directory = properties.deviceLogs().directory().toAbsolutePath().normalize();
        Files.createDirectories(directory);
    }

    /** A new storage key: the final file's name. */
    String newKey() {
        return UUID.randomUUID().toString().replace("-", "") + ".gz";
    }

    /**
     * Copies {@code body} to a partial file while checking that it is gzip and hashing it. Stops
     * reading as soon as it passes {@code maxBytes} (413) or {@code room} (507, the quota left).
     * Every refusal deletes the partial file before it is thrown.
     */
    Received receive(InputStream body, long maxBytes, long room) {
        Path partial = directory.resolve("." + UUID.randomUUID() + PARTIAL_SUFFIX);
        MessageDigest sha256 = sha256();
        boolean whole = false;
        try (GzipCheck gzip = new GzipCheck();
                FileChannel out = FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] buffer = new byte[BUFFER];
            long size = 0;
            while (true) {
                int n = read(body, buffer);
                if (n < 0) {
                    break;
                }
                size += n;
                if (size > maxBytes) {
                    throw DeviceLogProblems.tooLarge(maxBytes);
                }
                if (size > room) {
                    throw DeviceLogProblems.quotaExceeded();
                }
                gzip.update(buffer, 0, n);
                sha256.update(buffer, 0, n);
                ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, n);
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
            }
            gzip.finish();
            out.force(true);
            whole = true;
            return new Received(partial, size, HexFormat.of().formatHex(sha256.digest()));
        } catch (GzipCheck.InvalidGzipException e) {
            throw e.truncated() ? DeviceLogProblems.truncated(e.getMessage()) : DeviceLogProblems.notGzip(e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("could not write a device log upload to " + directory, e);
        } finally {
            if (!whole) {
                deleteQuietly(partial);
            }
        }
    }

    /** Moves a received upload to its final name, atomically. */
    void keep(Received received, String key) {
        try {
            Files.move(received.partial(), file(key), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not move a device log upload into place", e);
        }
    }

    /** Deletes a received upload that is not to be kept (if it is still there). */
    void discard(Received received) {
        deleteQuietly(received.partial());
    }

    /** The stored file of {@code key}. */
    Path file(String key) {
        if (!KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("not a storage key: " + key);
        }
        return directory.resolve(key);
    }

    /** Deletes a stored upload; false when it could not be (it is logged). */
    boolean delete(String key) {
        return deleteQuietly(file(key));
    }

    /**
     * Files left behind by a crash, last modified before {@code before}: partial files, and
     * stored files that {@code known} does not own (moved into place, then the row's commit failed).
     */
    List<Path> strays(Instant before, Predicate<String> known) {
        List<Path> strays = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                boolean partial = name.startsWith(".") && name.endsWith(PARTIAL_SUFFIX);
                boolean orphan = KEY.matcher(name).matches() && !known.test(name);
                if ((partial || orphan) && Files.getLastModifiedTime(file).toInstant().isBefore(before)) {
                    strays.add(file);
                }
            }
        } catch (IOException e) {
            log.warn("Could not list {} for stray device log files: {}", directory, e.toString());
        }
        return strays;
    }

    boolean deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
            return true;
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", file, e.toString());
            return false;
        }
    }

    /** A read of the request body; a body that breaks off (the device went away) is a truncated upload. */
    private static int read(InputStream body, byte[] buffer) {
        try {
            return body.read(buffer);
        } catch (IOException e) {
            throw DeviceLogProblems.truncated("The upload broke off before its end.");
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
