"""tito: the student side of TinyTorch (standard library only), shipped by the course into your repository."""
