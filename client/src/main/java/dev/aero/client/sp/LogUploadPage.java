package dev.aero.client.sp;

import java.util.List;

/** Log uploads, newest first; pass {@code nextBefore} as {@code before} for the next page, null on the last. */
public record LogUploadPage(List<LogUpload> uploads, Long nextBefore) {
}
