package org.specfair.lm;

import org.specfair.checkpoint.Checkpoint;
import org.specfair.checkpoint.SafetensorsFile;

import java.nio.ByteBuffer;
import java.util.Set;

/** Where a model's named tensors come from: a checkpoint on disk, or a seeded random initialisation. */
public interface WeightSource {
    /** A short description for error messages (usually the checkpoint folder). */
    String describe();

    Set<String> names();

    /** Shape as stored, or null when the tensor is absent. */
    long[] shape(String name);

    /** The tensor's values as float32 in a native-order direct buffer. */
    ByteBuffer float32(String name, long[] shape);

    static WeightSource of(Checkpoint ckpt) {
        return new WeightSource() {
            @Override
            public String describe() {
                return ckpt.weightsFile().toString(); // messages name the file, not just the folder
            }

            @Override
            public Set<String> names() {
                return ckpt.tensors().keySet();
            }

            @Override
            public long[] shape(String name) {
                SafetensorsFile f = ckpt.tensors().get(name);
                return f == null ? null : f.tensors().get(name).shape();
            }

            @Override
            public ByteBuffer float32(String name, long[] shape) {
                return ckpt.tensors().get(name).readFloat32(name);
            }
        };
    }
}
