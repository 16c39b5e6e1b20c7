package dev.aero.client.sp;

import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import dev.aero.common.id.UserID;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * A client of SP's REST API ({@code /api/v1}; the contract is docs/protocols/sp-api.md and docs/openapi/sp-service.json). Immutable and thread-safe;
 * {@link #withToken(String)} gives a copy that signs requests with a session token. Every method
 * sends one request; a status outside 2xx throws {@link SpApiException}, no answer at all throws
 * {@link SpTransportException}.
 *
 * <pre>
 * SpClient sp = SpClient.create(URI.create("http://127.0.0.1:8080"));
 * SpClient user = sp.withToken(sp.signIn(email, password).token());
 * DeviceCertificate issued = user.registerDevice(new RegisterDevice(keys.certificationRequestPem(did), ...));
 * </pre>
 *
 * Device-authenticated calls ({@link #recertify}, {@link #uploadLogs}) need a client built with the device's
 * {@link SSLContext} against SP's HTTPS device listener.
 */
public final class SpClient {

    private static final String API = "/api/v1";
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final String JSON = "application/json";
    private static final String ACCEPT_JSON = "application/json, application/problem+json";
    private static final String ACCEPT_PEM = "application/x-pem-file, application/problem+json";
    private static final String ACCEPT_CRL = "application/pkix-crl, application/problem+json";
    private static final String GZIP = "application/gzip";
    private static final String ACCEPT_GZIP = "application/gzip, application/problem+json";
    /** How long a log upload or download may take, where other requests have the builder's timeout. */
    private static final Duration TRANSFER_TIMEOUT = Duration.ofMinutes(15);
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .changeDefaultPropertyInclusion(inclusion -> inclusion.withValueInclusion(JsonInclude.Include.NON_NULL))
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private final HttpClient http;
    private final String apiBase;
    private final Duration timeout;
    private final String token;
    private final Supplier<String> requestIds;

    private SpClient(HttpClient http, String apiBase, Duration timeout, String token, Supplier<String> requestIds) {
        this.http = http;
        this.apiBase = apiBase;
        this.timeout = timeout;
        this.token = token;
        this.requestIds = requestIds;
    }

    /** A client of the SP at {@code baseUrl} (e.g. {@code http://127.0.0.1:8080}) with default settings. */
    public static SpClient create(URI baseUrl) {
        return builder(baseUrl).build();
    }

    public static Builder builder(URI baseUrl) {
        return new Builder(baseUrl);
    }

    /** A copy that sends {@code Authorization: Bearer <token>}; the connection pool is shared. */
    public SpClient withToken(String bearerToken) {
        Objects.requireNonNull(bearerToken, "bearerToken");
        return new SpClient(http, apiBase, timeout, bearerToken, requestIds);
    }

    // --- users and sessions

    public User signUp(SignUp request) {
        return call("POST", "/users", request, User.class);
    }

    public Session signIn(String email, String password) {
        return call("POST", "/sessions", new Credentials(email, password), Session.class);
    }

    public void signOut() {
        exchange("DELETE", "/sessions/current", null, ACCEPT_JSON);
    }

    public User me() {
        return call("GET", "/users/me", null, User.class);
    }

    /** Changes the caller's names; a null name is left unchanged. */
    public User updateName(String firstName, String lastName) {
        return call("PATCH", "/users/me", new Names(firstName, lastName), User.class);
    }

    public void changePassword(String oldPassword, String newPassword) {
        exchange("POST", "/users/me/password", new PasswordChange(oldPassword, newPassword), ACCEPT_JSON);
    }

    /** Asks SP to mail a reset link; SP accepts any address so as not to reveal which exist. */
    public void requestPasswordReset(String email) {
        exchange("POST", "/password-resets", new EmailOnly(email), ACCEPT_JSON);
    }

    public void resetPassword(String resetToken, String newPassword) {
        exchange("POST", "/password-resets/" + PathSegments.encode(resetToken), new NewPassword(newPassword), ACCEPT_JSON);
    }

    // --- organization

    public Organization organization() {
        return call("GET", "/organizations/me", null, Organization.class);
    }

    public List<Member> members() {
        return call("GET", "/organizations/me/members", null, MemberList.class).members();
    }

    public Invitation invite(String email) {
        return call("POST", "/organizations/me/invitations", new EmailOnly(email), Invitation.class);
    }

    /** Sets a member's role, USER or ADMIN. */
    public Member setRole(String email, String role) {
        return call("PUT", memberPath(email) + "/role", new RoleChange(role), Member.class);
    }

    public Member deactivate(String email, boolean eraseDevices) {
        return call("POST", memberPath(email) + "/deactivate", new Deactivation(eraseDevices), Member.class);
    }

    private static String memberPath(String email) {
        return "/organizations/me/members/" + PathSegments.encode(email);
    }

    // --- devices

    public DeviceCertificate registerDevice(RegisterDevice request) {
        return call("POST", "/devices", request, DeviceCertificate.class);
    }

    public List<Device> devices() {
        return call("GET", "/users/me/devices", null, DeviceList.class).devices();
    }

    /**
     * Admins: the organization's linked devices with presence, a page at a time by device id
     * ({@code after} null: the first), of one owner when {@code owner} is not null.
     */
    public DevicePage organizationDevices(DID after, UserID owner, int limit) {
        return call("GET", "/organizations/me/devices?limit=" + limit + (after == null ? "" : "&after=" + after.hex())
                + (owner == null ? "" : "&owner=" + PathSegments.encode(owner.value())),
                null, DevicePage.class);
    }

    public Device device(DID device) {
        return call("GET", devicePath(device), null, Device.class);
    }

    /** The device's owner, or an admin of its organization: renames it; the owner's other devices refetch the name. */
    public Device renameDevice(DID device, String name) {
        return call("PATCH", devicePath(device), new Rename(name), Device.class);
    }

    /** Revokes the device's certificate and tells it to unlink itself, and with {@code wipe} to erase its data. */
    public void unlinkDevice(DID device, boolean wipe) {
        exchange("DELETE", devicePath(device) + "?wipe=" + wipe, null, ACCEPT_JSON);
    }

    /**
     * Admins: ask the device to upload its logs (UPLOAD_LOGS through its command queue) under a
     * new defect id, valid {@code expiresInHours} (null: SP's default).
     */
    public LogsRequest requestDeviceLogs(DID device, Integer expiresInHours) {
        return requestDeviceLogs(device, null, expiresInHours);
    }

    /**
     * Admins: as {@link #requestDeviceLogs(DID, Integer)}, under {@code defectId} (1-64 of
     * {@code A-Z a-z 0-9 . _ -}; null: a new one); a defect id is requested of a device once
     * (409 {@code logs-request-exists}).
     */
    public LogsRequest requestDeviceLogs(DID device, String defectId, Integer expiresInHours) {
        return call("POST", devicePath(device) + "/logs-request", new LogsRequestBody(defectId, expiresInHours), LogsRequest.class);
    }

    /**
     * Device-authenticated: uploads the device's logs for the logs request {@code defectId}, a
     * gzip stream read from {@code gzip} as it is sent (chunked; the caller closes it). SP checks
     * it is whole gzip as it stores it, and answers with its size and SHA-256.
     */
    public LogUpload uploadLogs(DID device, String defectId, InputStream gzip) {
        Objects.requireNonNull(gzip, "gzip");
        return MAPPER.readValue(send("PUT", logsPath(device, defectId), HttpRequest.BodyPublishers.ofInputStream(() -> gzip), GZIP,
                ACCEPT_JSON, TRANSFER_TIMEOUT, HttpResponse.BodyHandlers.ofByteArray()).body(), LogUpload.class);
    }

    /** Device-authenticated: as {@link #uploadLogs(DID, String, InputStream)} from a gzip file, its length declared up front. */
    public LogUpload uploadLogs(DID device, String defectId, Path gzipFile) {
        HttpRequest.BodyPublisher file;
        try {
            file = HttpRequest.BodyPublishers.ofFile(gzipFile);
        } catch (FileNotFoundException e) {
            throw new UncheckedIOException(e);
        }
        return MAPPER.readValue(send("PUT", logsPath(device, defectId), file, GZIP, ACCEPT_JSON, TRANSFER_TIMEOUT,
                HttpResponse.BodyHandlers.ofByteArray()).body(), LogUpload.class);
    }

    /** Admins: the organization's log uploads, newest first, of one {@code device} when not null; {@code before} null: the newest. */
    public LogUploadPage deviceLogs(DID device, Long before, int limit) {
        return call("GET", "/organizations/me/device-logs?limit=" + limit + (device == null ? "" : "&device=" + device.hex())
                + (before == null ? "" : "&before=" + before), null, LogUploadPage.class);
    }

    /**
     * Admins: one log upload's gzip bytes, streamed as they arrive; the caller closes the stream.
     * (SP audits the download.)
     */
    public InputStream downloadDeviceLogs(DID device, String defectId) {
        return send("GET", logsPath(device, defectId), HttpRequest.BodyPublishers.noBody(), null, ACCEPT_GZIP, TRANSFER_TIMEOUT,
                HttpResponse.BodyHandlers.ofInputStream()).body();
    }

    /** Admins: deletes one log upload. */
    public void deleteDeviceLogs(DID device, String defectId) {
        exchange("DELETE", logsPath(device, defectId), null, ACCEPT_JSON);
    }

    private static String logsPath(DID device, String defectId) {
        return devicePath(device) + "/logs/" + PathSegments.encode(defectId);
    }

    /** Device-authenticated: a new certificate for {@code csrPem}; SP revokes the old serial. */
    public DeviceCertificate recertify(DID device, String csrPem) {
        return call("POST", devicePath(device) + "/certificate", new Csr(csrPem), DeviceCertificate.class);
    }

    /** Device-authenticated: a short-lived token for ejabberd, for the calling device itself only. */
    public XmppToken xmppToken(DID device) {
        return call("POST", devicePath(device) + "/xmpp-token", null, XmppToken.class);
    }

    /** Admins: the device's command queue and dead letters, from command-server (503 {@code command-server-unavailable} when it does not answer). */
    public DeviceCommands deviceCommands(DID device) {
        return call("GET", devicePath(device) + "/commands", null, DeviceCommands.class);
    }

    /** Admins: puts the device's dead letters back at the tail of its queue; how many there were. */
    public long redriveDeadLetters(DID device) {
        return call("POST", devicePath(device) + "/dead-letters/redrive", null, Redriven.class).commands();
    }

    public TeamServerCertificate registerTeamServer(RegisterDevice request) {
        return call("POST", "/teamservers", request, TeamServerCertificate.class);
    }

    private static String devicePath(DID device) {
        return "/devices/" + PathSegments.encode(device.hex());
    }

    // --- shared folders

    /** Shares a folder: the caller becomes its JOINED OWNER; {@code sid} null lets SP choose the id. */
    public SharedFolder createSharedFolder(String name, SID sid) {
        return call("POST", "/shared-folders", new NewFolder(name, sid == null ? null : sid.hex()), SharedFolder.class);
    }

    public List<SharedFolder> sharedFolders() {
        return call("GET", "/shared-folders", null, FolderList.class).folders();
    }

    public SharedFolderDetails sharedFolder(SID sid) {
        return call("GET", folderPath(sid), null, SharedFolderDetails.class);
    }

    public SharedFolderDetails renameSharedFolder(SID sid, String name) {
        return call("PATCH", folderPath(sid), new Name(name), SharedFolderDetails.class);
    }

    public void destroySharedFolder(SID sid) {
        exchange("DELETE", folderPath(sid), null, ACCEPT_JSON);
    }

    /** Invites a member of the organization with a role (VIEWER, EDITOR, OWNER); it is PENDING until it joins. */
    public SharedFolderDetails.Member inviteToSharedFolder(SID sid, String email, String role) {
        return call("POST", folderPath(sid) + "/members", new FolderInvite(email, role), SharedFolderDetails.Member.class);
    }

    public SharedFolderDetails.Member setSharedFolderRole(SID sid, String email, String role) {
        return call("PUT", folderPath(sid) + "/members/" + PathSegments.encode(email), new RoleChange(role),
                SharedFolderDetails.Member.class);
    }

    public void removeSharedFolderMember(SID sid, String email) {
        exchange("DELETE", folderPath(sid) + "/members/" + PathSegments.encode(email), null, ACCEPT_JSON);
    }

    public SharedFolder joinSharedFolder(SID sid) {
        return call("POST", folderPath(sid) + "/join", null, SharedFolder.class);
    }

    public void leaveSharedFolder(SID sid) {
        exchange("POST", folderPath(sid) + "/leave", null, ACCEPT_JSON);
    }

    public void ignoreSharedFolder(SID sid) {
        exchange("POST", folderPath(sid) + "/ignore", null, ACCEPT_JSON);
    }

    /** Shares the folder with a group of the organization: every current and later member gets {@code role}, PENDING. */
    public SharedFolderDetails shareWithGroup(SID sid, long groupId, String role) {
        return call("POST", folderPath(sid) + "/groups", new GroupGrantRequest(groupId, role), SharedFolderDetails.class);
    }

    public void unshareGroup(SID sid, long groupId) {
        exchange("DELETE", folderPath(sid) + "/groups/" + groupId, null, ACCEPT_JSON);
    }

    /** Admins: every folder of the organization with its members, a page at a time by SID ({@code after} null: the first). */
    public SharedFolderPage organizationSharedFolders(SID after, int limit) {
        return organizationSharedFolders(after, null, limit);
    }

    /**
     * Admins: as {@link #organizationSharedFolders(SID, int)}, only the folders {@code member} is a
     * member of (invited, joined or left) when it is not null.
     */
    public SharedFolderPage organizationSharedFolders(SID after, UserID member, int limit) {
        return call("GET", "/organizations/me/shared-folders?limit=" + limit + (after == null ? "" : "&after=" + after.hex())
                + (member == null ? "" : "&member=" + PathSegments.encode(member.value())), null, SharedFolderPage.class);
    }

    // --- groups

    /** Admins: a new, empty group. */
    public Group createGroup(String name) {
        return call("POST", "/groups", new Name(name), Group.class);
    }

    /** The organization's groups (without their members). */
    public List<Group> groups() {
        return call("GET", "/groups", null, GroupList.class).groups();
    }

    public Group group(long groupId) {
        return call("GET", "/groups/" + groupId, null, Group.class);
    }

    /** Admins: the group under a new name (1-255 characters, as for {@link #createGroup}). */
    public Group renameGroup(long groupId, String name) {
        return call("PATCH", "/groups/" + groupId, new Name(name), Group.class);
    }

    /** Admins: deletes the group and unshares it from every folder. */
    public void deleteGroup(long groupId) {
        exchange("DELETE", "/groups/" + groupId, null, ACCEPT_JSON);
    }

    public Group addGroupMember(long groupId, String email) {
        return call("POST", "/groups/" + groupId + "/members", new GroupMember(email), Group.class);
    }

    public void removeGroupMember(long groupId, String email) {
        exchange("DELETE", "/groups/" + groupId + "/members/" + PathSegments.encode(email), null, ACCEPT_JSON);
    }

    /** Device-authenticated: the user's ACL when its epoch is above {@code since}, else the epoch alone. */
    public Acl acl(long since) {
        return call("GET", "/acl?since=" + since, null, Acl.class);
    }

    private static String folderPath(SID sid) {
        return "/shared-folders/" + PathSegments.encode(sid.hex());
    }

    // --- certificate authority

    public String caCertificatePem() {
        return new String(exchange("GET", "/ca/certificate", null, ACCEPT_PEM).body(), StandardCharsets.US_ASCII);
    }

    /** The current CRL, DER-encoded. */
    public byte[] crl() {
        return exchange("GET", "/ca/crl", null, ACCEPT_CRL).body();
    }

    /** The current CRL, parsed; its signature is not checked here. */
    public X509CRL parsedCrl() {
        byte[] der = crl();
        try {
            return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der));
        } catch (CRLException | CertificateException e) {
            throw new IllegalStateException("SP sent a CRL that does not parse (" + der.length + " bytes)", e);
        }
    }

    // --- audit

    /** A page of audit events, newest first; a null {@code limit} or {@code before} is left to SP. */
    public AuditPage auditEvents(Integer limit, Long before) {
        StringJoiner query = new StringJoiner("&", "?", "").setEmptyValue("");
        if (limit != null) {
            query.add("limit=" + limit);
        }
        if (before != null) {
            query.add("before=" + before);
        }
        return call("GET", "/audit-events" + query, null, AuditPage.class);
    }

    /**
     * A page of audit events, newest first, of these {@code types} (empty: any), by {@code actor}
     * and in [{@code since}, {@code until}) where not null.
     */
    public AuditPage auditEvents(int limit, Long before, java.util.Collection<String> types, String actor, java.time.Instant since,
            java.time.Instant until) {
        StringJoiner query = new StringJoiner("&", "?", "");
        query.add("limit=" + limit);
        if (before != null) {
            query.add("before=" + before);
        }
        types.forEach(t -> query.add("type=" + PathSegments.encode(t)));
        if (actor != null) {
            query.add("actor=" + PathSegments.encode(actor));
        }
        if (since != null) {
            query.add("since=" + PathSegments.encode(since.toString()));
        }
        if (until != null) {
            query.add("until=" + PathSegments.encode(until.toString()));
        }
        return call("GET", "/audit-events" + query, null, AuditPage.class);
    }

    // --- the exchange

    private <T> T call(String method, String path, Object body, Class<T> responseType) {
        byte[] response = exchange(method, path, body, ACCEPT_JSON).body();
        return MAPPER.readValue(response, responseType);
    }

    private HttpResponse<byte[]> exchange(String method, String pathAndQuery, Object body, String accept) {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(MAPPER.writeValueAsBytes(body));
        return send(method, pathAndQuery, publisher, body == null ? null : JSON, accept, timeout, HttpResponse.BodyHandlers.ofByteArray());
    }

    private <B> HttpResponse<B> send(String method, String pathAndQuery, HttpRequest.BodyPublisher body, String contentType,
            String accept, Duration requestTimeout, HttpResponse.BodyHandler<B> handler) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(apiBase + pathAndQuery))
                .timeout(requestTimeout)
                .header("Accept", accept);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        String requestId = requestIds == null ? null : requestIds.get();
        if (requestId != null) {
            request.header("X-Request-Id", requestId);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        request.method(method, body);
        HttpResponse<B> response;
        try {
            response = http.send(request.build(), handler);
        } catch (IOException e) {
            throw new SpTransportException(method + " " + pathAndQuery + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SpTransportException(method + " " + pathAndQuery + " interrupted",
                    (IOException) new InterruptedIOException("interrupted while waiting for SP").initCause(e));
        }
        if (response.statusCode() / 100 != 2) {
            throw problem(response.statusCode(), errorBody(response.body()));
        }
        return response;
    }

    /** An error answer's body, whichever way it was received. */
    private static byte[] errorBody(Object body) {
        if (body instanceof InputStream stream) {
            try (stream) {
                return stream.readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        }
        return body instanceof byte[] bytes ? bytes : new byte[0];
    }

    private static SpApiException problem(int status, byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        Map<String, Object> members = null;
        try {
            members = MAPPER.readValue(text, new TypeReference<Map<String, Object>>() { });
        } catch (JacksonException notAJsonObject) {
            // A proxy's or container's error page: keep the text as the detail.
        }
        if (members == null) {
            return new SpApiException(status, null, null, text.isBlank() ? null : text, Map.of());
        }
        return new SpApiException(status, string(members.get("type")), string(members.get("title")),
                string(members.get("detail")), members);
    }

    private static String string(Object value) {
        return value == null ? null : value.toString();
    }

    // --- request and wrapper bodies (snake_case on the wire; null members are left out)

    private record NewFolder(String name, String sid) { }

    /** A body that carries only a name (a folder's or a group's). */
    private record Name(String name) { }

    private record LogsRequestBody(String defectId, Integer expiresInHours) { }

    private record FolderInvite(String email, String role) { }

    private record FolderList(List<SharedFolder> folders) { }

    private record GroupGrantRequest(long groupId, String role) { }

    private record GroupMember(String email) { }

    private record GroupList(List<Group> groups) { }

    private record Credentials(String email, String password) {
    }

    private record Names(String firstName, String lastName) {
    }

    private record PasswordChange(String oldPassword, String newPassword) {
    }

    private record NewPassword(String newPassword) {
    }

    private record EmailOnly(String email) {
    }

    private record RoleChange(String role) {
    }

    private record Deactivation(boolean eraseDevices) {
    }

    private record Rename(String name) {
    }

    private record Csr(String csr) {
    }

    private record MemberList(List<Member> members) {
    }

    private record DeviceList(List<Device> devices) {
    }

    private record Redriven(long commands) {
    }

    /** Settings of an {@link SpClient}: the base URL, an optional TLS context, the per-request timeout. */
    public static final class Builder {

        private final URI baseUrl;
        private SSLContext sslContext;
        private Duration requestTimeout = DEFAULT_TIMEOUT;
        private Supplier<String> requestIds;

        private Builder(URI baseUrl) {
            this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
            String scheme = baseUrl.getScheme();
            if (!"http".equals(scheme) && !"https".equals(scheme)) {
                throw new IllegalArgumentException("SP base URL must be http or https: " + baseUrl);
            }
        }

        /** The TLS context for https: a device's (see {@code DeviceKeys.sslContext}) or one trusting SP's CA. */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
            return this;
        }

        /** How long one request may take, connecting included; 10 s unless set. */
        public Builder requestTimeout(Duration requestTimeout) {
            if (requestTimeout.isNegative() || requestTimeout.isZero()) {
                throw new IllegalArgumentException("request timeout must be positive: " + requestTimeout);
            }
            this.requestTimeout = requestTimeout;
            return this;
        }

        /**
         * Where each request's {@code X-Request-Id} comes from (null: none sent), so that a
         * service calling SP on behalf of its own request names it in SP's logs too.
         */
        public Builder requestIds(Supplier<String> requestIds) {
            this.requestIds = requestIds;
            return this;
        }

        public SpClient build() {
            // Single small exchanges gain nothing from HTTP/2, and on plain http it would add h2c upgrade attempts.
            HttpClient.Builder http = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(requestTimeout);
            if (sslContext != null) {
                http.sslContext(sslContext);
            }
            String base = baseUrl.toString();
            while (base.endsWith("/")) {
                base = base.substring(0, base.length() - 1);
            }
            return new SpClient(http.build(), base + API, requestTimeout, null, requestIds);
        }
    }
}
