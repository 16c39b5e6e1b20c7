package dev.aero.commands.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.aero.client.commands.CommandClient;
import dev.aero.client.commands.CommandLoop;
import dev.aero.common.command.Command;
import dev.aero.common.command.CommandCodec;
import dev.aero.common.command.CommandType;
import dev.aero.common.id.DID;

/** The client SDK's command loop against the real device API. */
class CommandLoopTest extends DeviceListenerTest {

    private CommandClient client(DID did) throws Exception {
        return new CommandClient(URI.create("https://localhost:" + listener.port()), did, pki.clientContext(pki.device(did.hex(), "u@example.com")));
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(condition.getAsBoolean()).isTrue();
    }

    @Test
    void startDrainsEveryQueuedCommandInOrder() throws Exception {
        DID did = DID.random();
        queues.enqueue(did, "1");
        queues.enqueue(did, "4");
        queues.enqueue(did, "7");
        List<CommandType> handled = new CopyOnWriteArrayList<>();
        try (CommandLoop loop = new CommandLoop(client(did), c -> handled.add(c.getType()))) {
            loop.start();
            await(() -> handled.size() == 3 && queues.head(did).empty());
        }
        assertThat(handled).containsExactly(CommandType.INVALIDATE_USER_NAME_CACHE, CommandType.REFRESH_CRL, CommandType.CHECK_UPDATE);
    }

    @Test
    void pushedCommandIsHandledAndAcknowledged() throws Exception {
        DID did = DID.random();
        long epoch = queues.enqueue(did, "2");
        List<Command> handled = new CopyOnWriteArrayList<>();
        try (CommandLoop loop = new CommandLoop(client(did), handled::add)) {
            Command pushed = Command.newBuilder().setType(CommandType.UNLINK_SELF).setEpoch(epoch).build();
            loop.onPush(CommandCodec.toPushPayload(pushed).getBytes(StandardCharsets.US_ASCII));
            await(() -> queues.head(did).empty());
        }
        assertThat(handled).extracting(Command::getEpoch).containsExactly(epoch);
    }

    @Test
    void aFailingHandlerReportsTheCommandWhichIsRetriedLater() throws Exception {
        DID did = DID.random();
        queues.enqueue(did, "6");
        AtomicInteger calls = new AtomicInteger();
        try (CommandLoop loop = new CommandLoop(client(did), c -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("no network for the upload");
            }
        })) {
            loop.start();
            await(() -> !queues.list(did).isEmpty() && queues.list(did).getFirst().attempts() == 1);
            // The next drain (a reconnect, say) carries it out.
            loop.start();
            await(() -> queues.head(did).empty());
        }
        assertThat(calls.get()).isEqualTo(2);
    }

    @Test
    void unreachableServerLeavesTheCommandQueuedForTheNextDrain() throws Exception {
        DID did = DID.random();
        queues.enqueue(did, "0");
        List<Command> handled = new CopyOnWriteArrayList<>();
        CommandClient down = new CommandClient(URI.create("https://localhost:9"), did, pki.clientContext(pki.device(did.hex(), "u@example.com")));
        try (CommandLoop loop = new CommandLoop(down, handled::add, Duration.ofMillis(50), Duration.ofMillis(200))) {
            loop.start();
            Thread.sleep(500);
            assertThat(handled).isEmpty();
        }
        try (CommandLoop loop = new CommandLoop(client(did), handled::add, Duration.ofMillis(50), Duration.ofMillis(200))) {
            loop.start();
            await(() -> handled.size() == 1);
        }
    }
}
