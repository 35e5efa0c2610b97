package io.netdrop.examples.spring;

import java.io.File;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.web.server.context.WebServerPortFileWriter;
import org.springframework.context.annotation.Bean;

/** Starts the order service; see {@link OrdersController} for the endpoints. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class OrderServiceApplication {

  public static void main(String[] args) {
    SpringApplication.run(OrderServiceApplication.class, args);
  }

  /**
   * Writes the HTTP port to {@code orders.port-file} once the server listens, so a script can start
   * the app on {@code server.port=0} (a port the kernel picks, hence free) and still find it.
   */
  @Bean
  @ConditionalOnProperty("orders.port-file")
  WebServerPortFileWriter portFileWriter(@Value("${orders.port-file}") File portFile) {
    return new WebServerPortFileWriter(portFile);
  }
}
