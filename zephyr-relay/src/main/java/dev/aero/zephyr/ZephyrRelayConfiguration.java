package dev.aero.zephyr;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.micrometer.core.instrument.MeterRegistry;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ZephyrProperties.class)
class ZephyrRelayConfiguration {

    @Bean
    RelayMetrics relayMetrics(MeterRegistry registry) {
        return new RelayMetrics(registry);
    }

    @Bean
    ZephyrRelayServer zephyrRelayServer(ZephyrProperties settings, RelayMetrics metrics) {
        return new ZephyrRelayServer(settings, metrics);
    }
}
