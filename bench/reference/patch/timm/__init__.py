# Stub: the reference's backbone/ResNet18.py imports timm.create_model for a TinyViT backbone
# that the Seq-MNIST runs never build. Installing timm (and its hub dependencies) only to satisfy
# that import is avoided; calling it is an error.
def create_model(*args, **kwargs):
    raise RuntimeError('timm is stubbed by flnb bench/reference: TinyViT is not available')
