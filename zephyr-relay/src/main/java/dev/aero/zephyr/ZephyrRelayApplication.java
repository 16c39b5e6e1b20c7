package dev.aero.zephyr;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class ZephyrRelayApplication {

    public static void main(String[] args) {
        SpringApplication.run(ZephyrRelayApplication.class, args);
    }
}
