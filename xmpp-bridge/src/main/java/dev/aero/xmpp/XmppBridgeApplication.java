package dev.aero.xmpp;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class XmppBridgeApplication {

    public static void main(String[] args) {
        SpringApplication.run(XmppBridgeApplication.class, args);
    }
}
