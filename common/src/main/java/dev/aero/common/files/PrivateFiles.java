package dev.aero.common.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files only their owner may read: keys, secrets, tokens. A file is written to a sibling created
 * with mode 0600 and then moved into place, so its content is never readable by others, not even
 * for a moment, and a reader never sees half of it. On a file system without POSIX permissions its
 * own rules apply.
 */
public final class PrivateFiles {

    private PrivateFiles() {
    }

    /** Creates the directory (and its parents) if missing, and makes it 0700. */
    public static void createDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
        }
        if (posix(dir)) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
    }

    /**
     * Writes the file with mode 0600. With {@code replace} false an existing file is left alone
     * and {@link FileAlreadyExistsException} thrown.
     */
    public static void write(Path file, String content, boolean replace) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Path tmp = parent.resolve(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        if (posix(parent)) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(
                    Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
        } else {
            Files.createFile(tmp);
        }
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            if (replace) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } else if (Files.exists(file)) {
                throw new FileAlreadyExistsException(file.toString());
            } else {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
