package dev.aero.verkehr;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.micrometer.core.instrument.MeterRegistry;

import dev.aero.common.http.ServiceHttpClient;
import dev.aero.common.web.ServiceAuthInterceptor;
import dev.aero.common.web.ServiceAuthentication;
import dev.aero.verkehr.cluster.Cluster;
import dev.aero.verkehr.login.Authenticator;
import dev.aero.verkehr.delivery.Hub;
import dev.aero.verkehr.connection.SsmpServer;
import dev.aero.verkehr.topic.StoreMembership;
import dev.aero.common.tls.RevocationFollower;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(VerkehrProperties.class)
class VerkehrConfiguration {

    @Bean
    VerkehrMetrics verkehrMetrics(MeterRegistry registry) {
        return new VerkehrMetrics(registry);
    }

    /** The whole HTTP API is for services ({@code Aero-Service-Shared-Secret}). */
    @Bean
    ServiceAuthInterceptor.Paths serviceEndpoints(VerkehrProperties settings) {
        return ServiceAuthInterceptor.on(new ServiceAuthentication(settings.deploymentSecret()), "/v1/**");
    }

    @Bean
    HttpClient verkehrHttpClient() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Bean
    RevocationFollower revocationFollower(VerkehrProperties settings, HttpClient http) {
        return new RevocationFollower(SsmpServer.crlUrl(settings), http);
    }

    /**
     * verkehr's own Lettuce client: pub/sub and scripts on byte arrays, on the same Redis as
     * Spring's. Its request queue is bounded, like Spring's below.
     */
    @Bean(destroyMethod = "shutdown")
    RedisClient verkehrRedisClient(VerkehrProperties settings) {
        RedisClient client = RedisClient.create();
        client.setOptions(ClientOptions.builder().requestQueueSize(settings.cluster().redisRequestQueue()).build());
        return client;
    }

    /**
     * Spring's Lettuce connection (history, HTTP API) with the same bound: while Redis does not
     * answer, commands beyond it fail at once instead of queueing without limit.
     */
    @Bean
    LettuceClientOptionsBuilderCustomizer boundedRedisRequestQueue(VerkehrProperties settings) {
        return options -> options.requestQueueSize(settings.cluster().redisRequestQueue());
    }

    @Bean
    Cluster cluster(VerkehrProperties settings, RedisClient client, LettuceConnectionFactory factory) {
        RedisURI.Builder uri = RedisURI.builder().withHost(factory.getHostName()).withPort(factory.getPort())
                .withDatabase(factory.getDatabase()).withTimeout(Duration.ofSeconds(5)).withSsl(factory.isUseSsl());
        if (factory.getPassword() != null && !factory.getPassword().isEmpty()) {
            if (factory.getClientConfiguration() != null && factory.getStandaloneConfiguration().getUsername() != null) {
                uri.withAuthentication(factory.getStandaloneConfiguration().getUsername(), factory.getPassword());
            } else {
                uri.withPassword(factory.getPassword().toCharArray());
            }
        }
        return new Cluster(settings, nodeId(settings), client, uri.build());
    }

    /** Which stores devices may use, asked of SP's internal endpoint and cached per user. */
    @Bean
    StoreMembership storeMembership(VerkehrProperties settings, HttpClient http, VerkehrMetrics metrics) {
        ServiceHttpClient sp = new ServiceHttpClient(http, SsmpServer.SERVICE_NAME, settings.deploymentSecret());
        VerkehrProperties.Stores stores = settings.stores();
        return new StoreMembership(StoreMembership.sp(sp, settings.spUrl(), stores.timeout()), stores.cacheTtl(),
                stores.maxCachedUsers(), System::nanoTime, metrics);
    }

    @Bean
    Hub hub(VerkehrProperties settings, VerkehrMetrics metrics, RevocationFollower revocations, StoreMembership stores,
            Cluster cluster) {
        Authenticator authenticator = new Authenticator(settings.deploymentSecret(), settings.openLogin(), revocations::isRevoked);
        return new Hub(settings, metrics, authenticator, stores, cluster);
    }

    @Bean
    SsmpServer ssmpServer(VerkehrProperties settings, Hub hub, RevocationFollower revocations, HttpClient http) {
        return new SsmpServer(settings, hub, revocations, http);
    }

    /** The configured node id, or the host name with a random suffix (two nodes on one host stay apart). */
    private static String nodeId(VerkehrProperties settings) {
        if (!settings.nodeId().isEmpty()) {
            return settings.nodeId();
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9.-]", "-");
        } catch (UnknownHostException e) {
            host = "node";
        }
        byte[] suffix = new byte[3];
        new SecureRandom().nextBytes(suffix);
        return host + "-" + HexFormat.of().formatHex(suffix);
    }
}
