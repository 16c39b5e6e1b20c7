package dev.aero.common.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Base64;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CommandCodecTest {

    /** One command of every type the spec defines, UPLOAD_LOGS with and without a destination. */
    static Stream<Command> everyType() {
        Stream<Command> plain = Arrays.stream(CommandType.values())
                .filter(t -> t != CommandType.UNRECOGNIZED && t != CommandType.UPLOAD_LOGS)
                .map(t -> Command.newBuilder().setEpoch(41 + t.getNumber()).setType(t).build());
        Command uploadLogs = Command.newBuilder().setEpoch(7).setType(CommandType.UPLOAD_LOGS)
                .setUploadLogsArgs(UploadLogsArgs.newBuilder().setDefectId("d3f3c7-01").setExpiryTime(1_790_000_000_000L))
                .build();
        Command uploadLogsTo = Command.newBuilder().setEpoch(8).setType(CommandType.UPLOAD_LOGS)
                .setUploadLogsArgs(UploadLogsArgs.newBuilder().setDefectId("abc").setExpiryTime(5)
                        .setDestination(UploadLogsDestination.newBuilder().setHostname("logs.example.com").setPort(443)))
                .build();
        Command uploadLogsToIpv6 = uploadLogsTo.toBuilder().setUploadLogsArgs(uploadLogsTo.getUploadLogsArgs().toBuilder()
                .setDestination(UploadLogsDestination.newBuilder().setHostname("[2001:db8::1]").setPort(8443))).build();
        return Stream.concat(plain, Stream.of(uploadLogs, uploadLogsTo, uploadLogsToIpv6));
    }

    @Test
    void theSpecDefinesElevenNumberedTypes() {
        assertThat(everyType().map(Command::getType).distinct()).hasSize(11);
        assertThat(CommandType.UPLOAD_LOGS.getNumber()).isEqualTo(10);
        assertThat(CommandType.INVALIDATE_DEVICE_NAME_CACHE.getNumber()).isZero();
        assertThat(CommandType.REFRESH_CRL.getNumber()).isEqualTo(4);
    }

    @ParameterizedTest
    @MethodSource("everyType")
    void redisFormRoundTrips(Command command) {
        String stored = CommandCodec.toRedisString(command);
        assertThat(CommandCodec.fromRedisString(stored, command.getEpoch())).isEqualTo(command);
    }

    @ParameterizedTest
    @MethodSource("everyType")
    void pushPayloadRoundTrips(Command command) {
        String payload = CommandCodec.toPushPayload(command);
        assertThat(payload).matches("[A-Za-z0-9+/=]+");
        assertThat(CommandCodec.fromPushPayload(payload)).isEqualTo(command);
    }

    @Test
    void redisFormIsTheSpecsString() {
        assertThat(CommandCodec.toRedisString(Command.newBuilder().setType(CommandType.REFRESH_CRL).setEpoch(99).build()))
                .isEqualTo("4");
        assertThat(CommandCodec.toRedisString(everyType().filter(c -> c.getEpoch() == 7).findFirst().orElseThrow()))
                .isEqualTo("10:d3f3c7-01:1790000000000");
        assertThat(CommandCodec.toRedisString(everyType().filter(c -> c.getEpoch() == 8).findFirst().orElseThrow()))
                .isEqualTo("10:abc:5:logs.example.com:443");
    }

    @Test
    void pushPayloadUsesTheSpecsFieldNumbers() throws Exception {
        Command command = Command.newBuilder().setEpoch(300).setType(CommandType.UNLINK_SELF).build();
        byte[] bytes = Base64.getDecoder().decode(CommandCodec.toPushPayload(command));
        // field 1 varint 300 (0xac 0x02), field 2 varint 2
        assertThat(bytes).containsExactly(0x08, 0xac, 0x02, 0x10, 0x02);
    }

    @Test
    void destinationCertificateIsNotStoredInRedis() {
        Command withCert = Command.newBuilder().setEpoch(1).setType(CommandType.UPLOAD_LOGS)
                .setUploadLogsArgs(UploadLogsArgs.newBuilder().setDefectId("x").setExpiryTime(1)
                        .setDestination(UploadLogsDestination.newBuilder().setHostname("h.example").setPort(1).setCert("PEM")))
                .build();
        String stored = CommandCodec.toRedisString(withCert);
        assertThat(stored).isEqualTo("10:x:1:h.example:1");
        assertThat(CommandCodec.fromRedisString(stored, 1).getUploadLogsArgs().getDestination().getCert()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "11", "-1", "04", "4:", "4:x", "x", "10", "10:", "10:abc", "10:abc:", "10:abc:12x",
            "10:ab/c:1", "10::1", "10:abc:1:host", "10:abc:1:host:", "10:abc:1:host:0", "10:abc:1:host:65536",
            "10:abc:1:-host:80", "10:abc:1:a:b:80", "10:abc:1:[zz]:80", "10:abc:99999999999999999999", "1000", " 4", "4\n" })
    void malformedRedisStringsAreRejected(String stored) {
        assertThatThrownBy(() -> CommandCodec.fromRedisString(stored, 1)).isInstanceOf(InvalidCommandException.class);
    }

    @Test
    void unknownTypeInPushPayloadIsRejected() {
        byte[] unknownType = { 0x08, 0x01, 0x10, 0x0b };
        assertThatThrownBy(() -> CommandCodec.fromPushPayload(Base64.getEncoder().encodeToString(unknownType)))
                .isInstanceOf(InvalidCommandException.class).hasMessageContaining("unknown command type 11");
    }

    @Test
    void argumentsOnTheWrongTypeAreRejected() {
        Command bogus = Command.newBuilder().setType(CommandType.CHECK_UPDATE)
                .setUploadLogsArgs(UploadLogsArgs.newBuilder().setDefectId("x")).build();
        assertThatThrownBy(() -> CommandCodec.toPushPayload(bogus)).isInstanceOf(InvalidCommandException.class);
        assertThatThrownBy(() -> CommandCodec.fromPushPayload(Base64.getEncoder().encodeToString(bogus.toByteArray())))
                .isInstanceOf(InvalidCommandException.class);
        Command missing = Command.newBuilder().setType(CommandType.UPLOAD_LOGS).build();
        assertThatThrownBy(() -> CommandCodec.toRedisString(missing)).hasMessageContaining("needs its arguments");
    }

    @Test
    void anExpiryTimeTheRedisFormCannotHoldIsRejectedBeforeItIsStored() {
        Command latest = Command.newBuilder().setType(CommandType.UPLOAD_LOGS)
                .setUploadLogsArgs(UploadLogsArgs.newBuilder().setDefectId("x").setExpiryTime(CommandCodec.MAX_EXPIRY_TIME)).build();
        assertThat(CommandCodec.fromRedisString(CommandCodec.toRedisString(latest), 1).getUploadLogsArgs().getExpiryTime())
                .isEqualTo(CommandCodec.MAX_EXPIRY_TIME);
        for (long tooLate : new long[] { CommandCodec.MAX_EXPIRY_TIME + 1, Long.MAX_VALUE, -1 }) {
            Command command = latest.toBuilder().setUploadLogsArgs(latest.getUploadLogsArgs().toBuilder().setExpiryTime(tooLate)).build();
            assertThatThrownBy(() -> CommandCodec.toRedisString(command)).isInstanceOf(InvalidCommandException.class)
                    .hasMessageContaining("expiry time out of range");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "not base64!", "////", "CAE=Zm9v" })
    void garbagePushPayloadsAreRejected(String payload) {
        assertThatThrownBy(() -> CommandCodec.fromPushPayload(payload)).isInstanceOf(InvalidCommandException.class);
    }
}
