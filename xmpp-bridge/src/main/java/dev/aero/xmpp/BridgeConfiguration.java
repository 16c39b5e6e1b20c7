package dev.aero.xmpp;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;

import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.aero.common.tls.CaTrust;
import dev.aero.common.tls.ServiceCertificateEnrollment;
import dev.aero.xmpp.devman.DevmanPresence;
import dev.aero.xmpp.ejabberd.EjabberdApi;
import dev.aero.xmpp.ejabberd.EjabberdCertificate;
import dev.aero.xmpp.relay.XmppRelay;
import dev.aero.xmpp.rooms.RoomKeeper;
import dev.aero.xmpp.rooms.RoomReconciler;
import dev.aero.xmpp.sp.SpStores;
import dev.aero.xmpp.verkehr.VerkehrLink;
import io.micrometer.core.instrument.MeterRegistry;

/** The bridge's parts, from {@link BridgeProperties}. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(BridgeProperties.class)
class BridgeConfiguration {

    @Bean
    EjabberdApi ejabberdApi(BridgeProperties settings) {
        return new EjabberdApi(settings.apiUrl(), settings.bridgeJid(), settings.bridgePassword(), settings.mucService(),
                settings.apiTimeout());
    }

    @Bean
    SpStores spStores(BridgeProperties settings) {
        return new SpStores(settings.spUrl(), settings.deploymentSecret(), settings.apiTimeout());
    }

    @Bean
    VerkehrLink verkehrLink(BridgeProperties settings, MeterRegistry meters) {
        boolean on = settings.configured() && !settings.verkehrSsmp().isBlank();
        return new VerkehrLink(on ? settings.verkehrSsmp() : "localhost:0", settings.spUrl(), settings.deploymentSecret(), on, meters);
    }

    @Bean
    DevmanPresence devmanPresence(BridgeProperties settings, MeterRegistry meters) {
        return new DevmanPresence(settings.devmanUrl(), settings.deploymentSecret(), settings.configured(), Clock.systemUTC(), meters);
    }

    @Bean
    EjabberdCertificate ejabberdCertificate(BridgeProperties settings, EjabberdApi ejabberd) {
        return settings.certificateFile().isBlank() || !settings.configured() ? null
                : new EjabberdCertificate(Path.of(settings.certificateFile()), settings.spUrl(), settings.deploymentSecret(), settings.domain(),
                        ejabberd, Clock.systemUTC());
    }

    @Bean
    XmppRelay xmppRelay(BridgeProperties settings, VerkehrLink verkehr, DevmanPresence presence,
            org.springframework.beans.factory.ObjectProvider<EjabberdCertificate> certificate, MeterRegistry meters) throws Exception {
        String resource = settings.resource().isBlank() ? "node-" + InetAddress.getLocalHost().getHostName() : settings.resource();
        XmppRelay relay = new XmppRelay(new XmppRelay.Settings(settings.host(), settings.port(), settings.domain(), settings.bridgeUser(),
                settings.bridgePassword(), resource, trust(settings, certificate.getIfAvailable())), verkehr, presence, settings.configured(),
                meters);
        verkehr.onStoreMessage(relay::fromVerkehr);
        return relay;
    }

    /**
     * The certificates ejabberd's c2s certificate must chain to: the platform CA once the bridge
     * has made sure ejabberd serves a certificate of it; else the trust file; else the platform CA.
     */
    private static Callable<X509TrustManager> trust(BridgeProperties settings, EjabberdCertificate certificate) {
        return () -> {
            if (certificate != null) {
                return (X509TrustManager) CaTrust.trustManagers(certificate.ensure())[0];
            }
            if (settings.trustFile().isBlank()) {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                return (X509TrustManager) CaTrust.trustManagers(ServiceCertificateEnrollment.fetchCa(http, settings.spUrl()))[0];
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            try (InputStream in = Files.newInputStream(Path.of(settings.trustFile()))) {
                int i = 0;
                for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    store.setCertificateEntry("trusted-" + i++, c);
                }
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return (X509TrustManager) factory.getTrustManagers()[0];
        };
    }

    @Bean
    RoomKeeper roomKeeper(EjabberdApi ejabberd, BridgeProperties settings, XmppRelay relay, MeterRegistry meters) {
        return new RoomKeeper(ejabberd, settings.domain(), relay, meters);
    }

    @Bean
    RoomReconciler roomReconciler(SpStores sp, EjabberdApi ejabberd, RoomKeeper keeper, BridgeProperties settings, VerkehrLink verkehr,
            XmppRelay relay, MeterRegistry meters) {
        RoomReconciler reconciler = new RoomReconciler(sp, ejabberd, keeper, settings.reconcileInterval(), settings.reconcilePage(),
                settings.roomWorkers(), settings.configured(), settings.domain(), meters);
        verkehr.onStoreChange(reconciler::changed, reconciler::reconcileSoon);
        verkehr.onUnlinked(reconciler::unlinked);
        relay.onSignedIn(reconciler::reconcileSoon);
        return reconciler;
    }
}
