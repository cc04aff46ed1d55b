package org.specfair.spark;

import org.apache.hadoop.conf.Configuration;

/** Ships the driver's Hadoop configuration (credentials, file systems) to executor tasks: Configuration is Writable, not Serializable. */
public final class SerializableHadoopConf implements java.io.Serializable {
    private transient Configuration conf;

    public SerializableHadoopConf(Configuration conf) {
        this.conf = conf;
    }

    public Configuration get() {
        return conf;
    }

    private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
        out.defaultWriteObject();
        conf.write(out);
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
        in.defaultReadObject();
        conf = new Configuration(false);
        conf.readFields(in);
    }
}
