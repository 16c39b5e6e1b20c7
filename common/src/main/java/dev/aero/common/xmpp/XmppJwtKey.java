package dev.aero.common.xmpp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The key SP signs devices' XMPP tokens with and ejabberd checks them with ({@code jwt_key}): a
 * JSON Web Key {@code {"kty":"oct","k":"<base64url>"}} of at least 32 bytes. Tokens are HS256
 * JWTs whose claims are the device's bare JID ({@code jid}) and the expiry ({@code exp}, a JSON
 * number of seconds: ejabberd treats a string {@code exp} as never expiring).
 */
public final class XmppJwtKey {

    /** The smallest key accepted: HS256's own output size. */
    public static final int MIN_KEY_BYTES = 32;
    private static final String HEADER = base64Url("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.US_ASCII));
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final byte[] key;

    private XmppJwtKey(byte[] key) {
        if (key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("an XMPP JWT key needs at least " + MIN_KEY_BYTES + " bytes, got " + key.length);
        }
        this.key = key.clone();
    }

    /** A new random key. */
    public static XmppJwtKey generate() {
        byte[] key = new byte[MIN_KEY_BYTES];
        new SecureRandom().nextBytes(key);
        return new XmppJwtKey(key);
    }

    /** Parses a JWK ({@code kty} {@code oct}) or a JWK Set holding exactly one such key. */
    public static XmppJwtKey parse(String jwk) {
        JsonNode node;
        try {
            node = JSON.readTree(jwk);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("the XMPP JWT key is not JSON");
        }
        if (node != null && node.has("keys")) {
            JsonNode keys = node.get("keys");
            if (!keys.isArray() || keys.size() != 1) {
                throw new IllegalArgumentException("an XMPP JWT key set must hold exactly one key");
            }
            node = keys.get(0);
        }
        if (node == null || !node.isObject() || !"oct".equals(node.path("kty").asString(null)) || !node.path("k").isString()) {
            throw new IllegalArgumentException("the XMPP JWT key must be a JWK with \"kty\":\"oct\" and a \"k\"");
        }
        byte[] key;
        try {
            key = Base64.getUrlDecoder().decode(node.get("k").asString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the XMPP JWT key's \"k\" is not base64url");
        }
        return new XmppJwtKey(key);
    }

    /** Reads a JWK file as ejabberd's {@code jwt_key} option names it. */
    public static XmppJwtKey read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    /** This key as a JWK, the form ejabberd reads. */
    public String toJwk() {
        return "{\"kty\":\"oct\",\"use\":\"sig\",\"k\":\"" + base64Url(key) + "\"}";
    }

    /** An HS256 JWT for {@code bareJid} (user@domain) that expires at {@code expiresAt}. */
    public String sign(String bareJid, Instant expiresAt) {
        String claims = JSON.writeValueAsString(new Claims(bareJid, expiresAt.getEpochSecond()));
        String signed = HEADER + "." + base64Url(claims.getBytes(StandardCharsets.UTF_8));
        return signed + "." + base64Url(mac(signed));
    }

    private byte[] mac(String signed) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(signed.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static String base64Url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private record Claims(String jid, long exp) {
    }
}
