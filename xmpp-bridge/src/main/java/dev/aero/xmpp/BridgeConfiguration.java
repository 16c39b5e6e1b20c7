package dev.aero.xmpp;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.aero.xmpp.ejabberd.EjabberdApi;
import dev.aero.xmpp.rooms.RoomKeeper;
import dev.aero.xmpp.rooms.RoomReconciler;
import dev.aero.xmpp.sp.SpStores;
import dev.aero.xmpp.verkehr.StoreChangeFeed;
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
    RoomKeeper roomKeeper(EjabberdApi ejabberd, BridgeProperties settings, MeterRegistry meters) {
        return new RoomKeeper(ejabberd, settings.domain(), meters);
    }

    @Bean
    StoreChangeFeed storeChangeFeed(BridgeProperties settings, RoomReconciler reconciler, MeterRegistry meters) {
        boolean on = settings.configured() && !settings.verkehrSsmp().isBlank();
        return new StoreChangeFeed(on ? settings.verkehrSsmp() : "localhost:0", settings.spUrl(), settings.deploymentSecret(), reconciler, on,
                meters);
    }

    @Bean
    RoomReconciler roomReconciler(SpStores sp, EjabberdApi ejabberd, RoomKeeper keeper, BridgeProperties settings, MeterRegistry meters) {
        return new RoomReconciler(sp, ejabberd, keeper, settings.reconcileInterval(), settings.reconcilePage(), settings.configured(),
                meters);
    }
}
