package io.memshift.embedded.registry;

import io.apicurio.common.apps.config.DynamicConfigPropertyList;
import java.util.List;
import javax.enterprise.inject.Produces;
import javax.inject.Singleton;

/**
 * Apicurio expects this bean from its config-index artifact, which Maven Central does not serve.
 * An empty list means "no dynamically editable properties", which is all an embedded registry needs.
 */
public class DynamicConfigProducer {

    @Produces
    @Singleton
    DynamicConfigPropertyList dynamicConfigPropertyList() {
        return new DynamicConfigPropertyList(List.of());
    }
}
