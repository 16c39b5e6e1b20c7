package dev.aero.sp.ca;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({ CaProperties.class, DeviceTlsProperties.class })
class CaConfiguration {

    @Bean
    CertificateAuthority certificateAuthority(CaProperties properties) {
        return CertificateAuthority.loadOrCreate(properties);
    }

    /** When the CA certificate ends (Unix seconds), for the alert that warns 30 days ahead (deploy/monitoring). */
    @Bean
    MeterBinder caExpiryGauge(CertificateAuthority ca) {
        return meters -> Gauge.builder("aero.sp.ca.not.after", ca, c -> c.certificate().getNotAfter().toInstant().getEpochSecond())
                .baseUnit("seconds").description("the end of the platform CA certificate's validity, Unix time").register(meters);
    }

    @Bean
    @ConditionalOnBooleanProperty(name = "aero.sp.device-tls.enabled", matchIfMissing = true)
    DeviceTlsListener deviceTlsListener(CertificateAuthority ca, DeviceTlsProperties properties) {
        return new DeviceTlsListener(ca, properties);
    }

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> deviceTlsConnector(ObjectProvider<DeviceTlsListener> listener) {
        return factory -> listener.ifAvailable(l -> factory.addAdditionalConnectors(l.connector()));
    }
}
