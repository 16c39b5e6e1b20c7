package dev.aero.client.sp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;

import dev.aero.client.device.DeviceKeys;
import dev.aero.client.device.Pem;
import dev.aero.client.device.TestCa;
import dev.aero.common.id.DID;
import tools.jackson.databind.json.JsonMapper;

/** Recertification the way a device does it: its own certificate over HTTPS, the platform CA trusted. */
class SpClientDeviceTlsTest {

    @Test
    void recertifyPresentsTheDeviceCertificateAndSendsTheNewCsr() throws Exception {
        TestCa ca = TestCa.create("platform CA");
        DID did = DID.random();
        DeviceKeys oldKeys = DeviceKeys.generate();
        X509Certificate current = ca.issueDevice(oldKeys.certificationRequestPem(did));
        SSLContext device = oldKeys.sslContext(Pem.encode("CERTIFICATE", current.getEncoded()), ca.certificatePem());
        String newCsr = DeviceKeys.generate().certificationRequestPem(did);

        KeyPair serverKeys = TestCa.ecKeys();
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ca.serverContext(serverKeys, ca.issueLocalhostServer(serverKeys.getPublic()))) {
            @Override
            public void configure(HttpsParameters parameters) {
                SSLParameters ssl = getSSLContext().getDefaultSSLParameters();
                ssl.setNeedClientAuth(true);
                parameters.setSSLParameters(ssl);
            }
        });
        CompletableFuture<Certificate> clientCertificate = new CompletableFuture<>();
        CompletableFuture<String> sentCsr = new CompletableFuture<>();
        server.createContext("/api/v1/devices/" + did.hex() + "/certificate", exchange -> {
            try (exchange) {
                clientCertificate.complete(((HttpsExchange) exchange).getSSLSession().getPeerCertificates()[0]);
                sentCsr.complete(JsonMapper.shared().readTree(exchange.getRequestBody().readAllBytes()).get("csr").asString());
                byte[] answer = """
                        {"device_id": "%s", "certificate": "NEW", "ca_certificate": "CA"}""".formatted(did.hex())
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
            }
        });
        server.start();
        try {
            SpClient sp = SpClient.builder(URI.create("https://localhost:" + server.getAddress().getPort()))
                    .sslContext(device)
                    .build();

            DeviceCertificate renewed = sp.recertify(did, newCsr);

            assertThat(renewed).isEqualTo(new DeviceCertificate(did, "NEW", "CA"));
            assertThat(clientCertificate.get(5, TimeUnit.SECONDS)).isEqualTo(current);
            assertThat(sentCsr.get(5, TimeUnit.SECONDS)).isEqualTo(newCsr);
        } finally {
            server.stop(0);
        }
    }
}
