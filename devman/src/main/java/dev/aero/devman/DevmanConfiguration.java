package dev.aero.devman;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import dev.aero.common.concurrent.PeriodicTask;
import dev.aero.common.redis.StreamGroupReader;
import dev.aero.common.tls.DeviceTlsListener;
import dev.aero.common.tls.RevocationFollower;
import dev.aero.common.web.ServiceAuthInterceptor;
import dev.aero.common.web.ServiceAuthentication;
import dev.aero.common.web.TrustedProxies;
import dev.aero.devman.checkin.CaWithoutListener;
import dev.aero.devman.checkin.DeviceCertificates;
import dev.aero.devman.presence.EventLag;
import dev.aero.devman.presence.VerkehrNodes;
import dev.aero.devman.presence.PresenceStore;
import dev.aero.devman.presence.VerkehrEvents;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(DevmanProperties.class)
class DevmanConfiguration {

    static final String GROUP = "devman";

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    ServiceAuthentication serviceAuthentication(DevmanProperties settings) {
        return new ServiceAuthentication(settings.deploymentSecret());
    }

    @Bean
    ServiceAuthInterceptor.Paths serviceEndpoints(ServiceAuthentication authentication) {
        return ServiceAuthInterceptor.on(authentication, "/v1/devices/**", "/v1/stats", "/v1/presence");
    }

    @Bean
    PresenceStore presenceStore(StringRedisTemplate redis, Clock clock, DevmanProperties settings) {
        return new PresenceStore(redis, clock, settings.tombstoneRetention(), settings.tombstoneCap());
    }

    @Bean
    EventLag eventLag(StringRedisTemplate redis, DevmanProperties settings) {
        return new EventLag(redis, settings.eventsStream(), GROUP);
    }

    /**
     * verkehr's events in the group {@code devman}, from the stream's first entry when the group
     * is new (the devices online before devman first ran are in it).
     */
    /**
     * verkehr's nodes as its heartbeat and node-lost events tell them; silence is trusted only
     * while devman has read the whole stream.
     */
    @Bean
    VerkehrNodes verkehrNodes(StringRedisTemplate redis, PresenceStore store, EventLag lag, DevmanProperties settings, Clock clock,
            MeterRegistry meters) {
        return new VerkehrNodes(redis, store, settings.verkehrNodeTimeout(), settings.tombstoneRetention(),
                () -> Long.valueOf(0).equals(lag.snapshot().lag()), clock, meters);
    }

    @Bean
    StreamGroupReader verkehrEventReader(StringRedisTemplate redis, PresenceStore store, VerkehrNodes nodes, EventLag lag,
            DevmanProperties settings, MeterRegistry meters) {
        AtomicLong online = new AtomicLong();
        Gauge.builder("aero.devman.devices.online", online, AtomicLong::get).description("devices online through any transport")
                .register(meters);
        Gauge.builder("aero.devman.events.lag", lag, l -> value(l.snapshot().lag()))
                .description("verkehr events not yet read by the devman group").register(meters);
        Gauge.builder("aero.devman.events.pending", lag, l -> value(l.snapshot().pending()))
                .description("verkehr events read by devman and not yet applied").register(meters);
        return new StreamGroupReader(redis, settings.eventsStream(), GROUP, StreamGroupReader.hostConsumerName(), 500, true,
                new VerkehrEvents(store, nodes, meters), () -> {
                    lag.refresh();
                    online.set(store.onlineCount());
                });
    }

    /** Takes the devices of a verkehr node that died alone offline (see {@link VerkehrNodes}). */
    @Bean
    PeriodicTask lostVerkehrNodes(VerkehrNodes nodes, DevmanProperties settings) {
        return new PeriodicTask("lost-verkehr-nodes", settings.verkehrNodeCheck(), settings.verkehrNodeCheck(), nodes::sweep);
    }

    private static double value(Long v) {
        return v == null ? Double.NaN : v;
    }

    @Bean
    RevocationFollower revocationFollower(DevmanProperties settings) {
        return new RevocationFollower(settings.crlSource(), HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
    }

    /** SP's CRL, read every {@code crl-refresh} (2 s) once the CA is known: a revoked device cannot check in. */
    @Bean
    PeriodicTask revocationPoller(RevocationFollower revocations, DevmanProperties settings) {
        return new PeriodicTask("crl", Duration.ZERO, settings.crlRefresh(), () -> revocations.refresh(revoked -> { }));
    }

    @Bean
    DeviceCertificates deviceCertificates(RevocationFollower revocations, DevmanProperties settings, Clock clock, MeterRegistry meters) {
        return new DeviceCertificates(revocations, TrustedProxies.of(settings.trustedProxies()), settings.clientCertificateHeader(),
                clock, meters);
    }

    /**
     * The check-in listener; also the {@code deviceTls} health component, DOWN until it listens.
     * It opens only once the CA's revocation list has been read, since every check-in before
     * that would be answered 503.
     */
    @Bean
    DeviceTlsListener deviceTls(DevmanProperties settings, DeviceCertificates certificates) {
        return new DeviceTlsListener("devman", settings.deviceTls(), settings.spUrl(), settings.deploymentSecret(),
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), material -> certificates.trust(material.ca()));
    }

    /** Without a device listener, the CA for forwarded certificates still has to come from somewhere. */
    @Bean
    CaWithoutListener caWithoutListener(DevmanProperties settings, DeviceCertificates certificates) {
        return new CaWithoutListener(settings.deviceTls(), settings.spUrl(), HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(),
                certificates);
    }
}
