package dev.aero.verkehr.cluster;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.Base16;

/** One Lua script, run by its SHA-1 and re-sent in full when Redis does not know it (after a restart). */
final class RedisScript {

    private final byte[] source;
    private final String sha;
    private final ScriptOutputType output;

    RedisScript(String source, ScriptOutputType output) {
        this.source = source.getBytes(StandardCharsets.UTF_8);
        this.output = output;
        try {
            this.sha = new String(Base16.encode(java.security.MessageDigest.getInstance("SHA-1").digest(this.source), false));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    <T> CompletableFuture<T> run(RedisAsyncCommands<byte[], byte[]> redis, byte[][] keys, byte[]... args) {
        CompletableFuture<T> result = new CompletableFuture<>();
        redis.<T>evalsha(sha, output, keys, args).whenComplete((value, failure) -> {
            if (failure instanceof RedisNoScriptException
                    || (failure != null && failure.getCause() instanceof RedisNoScriptException)) {
                redis.<T>eval(source, output, keys, args).whenComplete((v, f) -> {
                    if (f != null) {
                        result.completeExceptionally(f);
                    } else {
                        result.complete(v);
                    }
                });
            } else if (failure != null) {
                result.completeExceptionally(failure);
            } else {
                result.complete(value);
            }
        });
        return result;
    }
}
