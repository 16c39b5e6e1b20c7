import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.aero.commands.queue.CommandQueues;
import dev.aero.common.id.DID;

/**
 * Enqueue throughput of command-server's queue operation (the enqueue Lua script, as the
 * service runs it through Spring Data Redis on one shared Lettuce connection), from THREADS
 * threads for SECONDS seconds, each enqueueing distinct commands onto DEVICES devices.
 * Usage: EnqueueBench <redis port> <redis db> <threads> <seconds> <devices>
 */
public class EnqueueBench {
    public static void main(String[] a) throws Exception {
        int port = Integer.parseInt(a[0]);
        int db = Integer.parseInt(a[1]);
        int threads = Integer.parseInt(a[2]);
        int seconds = Integer.parseInt(a[3]);
        int devices = Integer.parseInt(a[4]);
        RedisStandaloneConfiguration config = new RedisStandaloneConfiguration("127.0.0.1", port);
        config.setDatabase(db);
        LettuceConnectionFactory factory = new LettuceConnectionFactory(config);
        factory.afterPropertiesSet();
        factory.start();
        CommandQueues queues = new CommandQueues(new StringRedisTemplate(factory), Clock.systemUTC(), Duration.ofDays(1), 10);
        List<DID> dids = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
            dids.add(DID.random());
        }
        // Warm-up: load the script and let the JIT settle.
        for (int i = 0; i < 2000; i++) {
            queues.enqueue(dids.get(i % devices), "10:w" + i + ":0");
        }
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers.add(Thread.ofPlatform().start(() -> {
                long i = 0;
                while (System.nanoTime() < end) {
                    queues.enqueue(dids.get((int) ((id + i) % devices)), "10:t" + id + "-" + i + ":0");
                    i++;
                }
                done.addAndGet(i);
            }));
        }
        long start = System.nanoTime();
        for (Thread w : workers) {
            w.join();
        }
        double secondsTaken = (System.nanoTime() - start) / 1e9;
        System.out.printf("enqueues=%d seconds=%.2f rate=%.0f%n", done.get(), secondsTaken, done.get() / secondsTaken);
        factory.destroy();
    }
}
